"""The warehouse's side of the office mail: messages fetched, files that arrived, addresses
communes send from, pulls of the mailbox, and every message sent to a commune.

Plain functions over an open connection. A message and the files it brought commit together
(``record_message``), so a message is either fetched and its files known, or fetched again;
the UID under its UIDVALIDITY makes it never recorded twice.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal

import duckdb

from cchc.errors import CchcError
from cchc.warehouse.schema import transaction

_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
ReceivedVia = Literal["inbox", "mailbox", "upload", "other"]
SentKind = Literal["reply", "reminder"]
SentMode = Literal["sent", "dry-run", "failed"]


@dataclass(frozen=True)
class Arrival:
    """One file put in the inbox, and how it came: its path there (resolved, as the night's
    discovery names it) and bytes, and for the mailbox the attachment (and ZIP member) it was."""

    inbox_path: str
    sha256: str
    received_via: ReceivedVia
    arrived_at: datetime
    attachment_name: str | None = None
    member_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A message as the warehouse keeps it (never its body: the mailbox keeps that)."""

    mailbox: str
    uidvalidity: int
    uid: int
    message_id: str | None
    sender: str | None
    sender_name: str | None
    reply_to: str | None
    subject: str
    sent_at: datetime | None
    arrived_at: datetime
    size: int
    automatic: bool
    reason: str | None
    reply_wanted: bool

    @property
    def mail_id(self) -> str:
        key = f"{self.mailbox}\0{self.uidvalidity}\0{self.uid}".encode()
        return hashlib.sha256(key).hexdigest()[:20]


@dataclass(frozen=True)
class Sent:
    """A message cchc sent (or wrote as a dry run, or failed to send) to a commune."""

    kind: SentKind
    mode: SentMode
    to_address: str
    subject: str
    body: str
    message_id: str
    mail_id: str | None = None
    admin_map: str | None = None
    commune_code: str | None = None
    period: str | None = None
    eml_path: str | None = None
    error: str | None = None


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict = ()
             ) -> list[dict[str, Any]]:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


# Fetching -------------------------------------------------------------------------------------

def recorded_uids(con: duckdb.DuckDBPyConnection, mailbox: str,
                  uidvalidity: int) -> dict[int, bool]:
    """uid → whether the mailbox was already left as the office expects (seen or moved)."""
    return dict(con.execute("""SELECT uid, marked_at IS NOT NULL FROM core.mail_messages
                               WHERE mailbox = ? AND uidvalidity = ?""",
                            [mailbox, uidvalidity]).fetchall())


def had_other_validity(con: duckdb.DuckDBPyConnection, mailbox: str, uidvalidity: int) -> bool:
    """Whether this mailbox was read under another UIDVALIDITY (the server renumbered it)."""
    return con.execute("""SELECT count(*) > 0 FROM core.mail_messages
                          WHERE mailbox = ? AND uidvalidity <> ?""",
                       [mailbox, uidvalidity]).fetchone()[0]


def known_message_ids(con: duckdb.DuckDBPyConnection, mailbox: str) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT message_id FROM core.mail_messages WHERE mailbox = ? AND message_id IS NOT NULL",
        [mailbox]).fetchall()}


def record_message(con: duckdb.DuckDBPyConnection, message: Fetched,
                   arrivals: Sequence[Arrival]) -> bool:
    """Record a fetched message and the files it put in the inbox, in one transaction; False
    (nothing written) when the message was recorded already."""
    with transaction(con):
        if con.execute("SELECT count(*) FROM core.mail_messages WHERE mail_id = ?",
                       [message.mail_id]).fetchone()[0]:
            return False
        con.execute("""INSERT INTO core.mail_messages VALUES
                           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)""",
                    [message.mail_id, message.mailbox, message.uidvalidity, message.uid,
                     message.message_id, message.sender, message.sender_name, message.reply_to,
                     message.subject, message.sent_at, message.arrived_at, message.size,
                     datetime.now(), message.automatic, len(arrivals), message.reason,
                     message.reply_wanted])
        for arrival in arrivals:
            record_arrival(con, arrival, message.mail_id)
    return True


def record_arrival(con: duckdb.DuckDBPyConnection, arrival: Arrival,
                   mail_id: str | None = None) -> None:
    """Note how a file came into the inbox; the same path and bytes again keep the first."""
    con.execute("""INSERT INTO core.arrivals VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                [arrival.inbox_path, arrival.sha256, arrival.received_via, arrival.arrived_at,
                 mail_id, arrival.attachment_name, arrival.member_name, arrival.note])


def mark_done(con: duckdb.DuckDBPyConnection, mailbox: str, uidvalidity: int,
              uids: Sequence[int]) -> None:
    """The messages are now seen (or moved) in the mailbox."""
    con.execute("""UPDATE core.mail_messages SET marked_at = ?
                   WHERE mailbox = ? AND uidvalidity = ? AND uid IN (SELECT unnest(?::BIGINT[]))
                     AND marked_at IS NULL""",
                [datetime.now(), mailbox, uidvalidity, list(uids)])


def record_pull(con: duckdb.DuckDBPyConnection, mailbox: str, started_at: datetime, ok: bool,
                n_messages: int, n_files: int, error: str | None) -> str:
    pull_id = f"{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    con.execute("INSERT INTO core.mail_pulls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [pull_id, mailbox, started_at, datetime.now(), ok, n_messages, n_files, error])
    return pull_id


def last_pull(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest pull of the mailbox, for ``cchc status``."""
    rows = _records(con, "SELECT * FROM core.mail_pulls ORDER BY started_at DESC LIMIT 1")
    return rows[0] if rows else None


# Who sent it ----------------------------------------------------------------------------------

def add_commune_email(con: duckdb.DuckDBPyConnection, address: str, admin_map: str,
                      commune_code: str, source: str) -> bool:
    """Register an address a commune sends from; False when it was registered already."""
    added = con.execute("""INSERT INTO core.commune_emails VALUES (?, ?, ?, ?, ?)
                           ON CONFLICT DO NOTHING RETURNING address""",
                        [address, admin_map, commune_code, datetime.now(), source]).fetchall()
    return bool(added)


def commune_emails(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _records(con, """SELECT e.address, e.admin_map, e.commune_code, u.name AS commune_name,
                                   e.added_at, e.source
                            FROM core.commune_emails e
                            LEFT JOIN core.admin_units u ON u.admin_map = e.admin_map
                                 AND u.level = 'commune' AND u.code = e.commune_code
                            ORDER BY e.admin_map, e.commune_code, e.address""")


def messages(con: duckdb.DuckDBPyConnection, limit: int = 500) -> list[dict[str, Any]]:
    """The messages the office mailbox brought, newest first: sender and the communes the
    address is registered to (none: an unknown sender, kept and shown, never dropped), each
    file with what the night made of it, and why a message brought none."""
    rows = _records(con, """
        SELECT m.*, (SELECT list(u.name ORDER BY u.name) FROM core.commune_emails e
                     JOIN core.admin_units u ON u.admin_map = e.admin_map
                          AND u.level = 'commune' AND u.code = e.commune_code
                     WHERE e.address = m.sender) AS sender_communes
        FROM core.mail_messages m ORDER BY m.arrived_at DESC, m.uid DESC LIMIT ?""", [limit])
    for row in rows:
        row["files"] = files_of_message(con, row["mail_id"])
    return rows


def senders_of(con: duckdb.DuckDBPyConnection,
               files: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(inbox_path, sha256) → the sender of the message that brought the file, with the
    communes the address is registered to (``communes``: list of (admin_map, code, name))."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, sha256, sender, admin_map, code, name in con.execute("""
            SELECT a.inbox_path, a.sha256, m.sender, e.admin_map, e.commune_code, u.name
            FROM core.arrivals a JOIN core.mail_messages m ON m.mail_id = a.mail_id
            LEFT JOIN core.commune_emails e ON e.address = m.sender
            LEFT JOIN core.admin_units u ON u.admin_map = e.admin_map AND u.level = 'commune'
                 AND u.code = e.commune_code
            WHERE a.inbox_path || '|' || a.sha256 IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY e.admin_map, e.commune_code""",
            [[f"{p}|{s}" for p, s in files]]).fetchall():
        entry = found.setdefault((path, sha256), {"sender": sender, "communes": []})
        if code is not None:
            entry["communes"].append((admin_map, code, name))
    return found


# Answers --------------------------------------------------------------------------------------

def replies_due(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Messages that want an answer and have none yet (a failed send stays due): fetched while
    replies were on, not automatic, each of their files already read by a night. A message
    without a file is answered only when its sender is a registered commune's: strangers and
    advertising get no mail from the office."""
    return _records(con, """
        SELECT m.*, (SELECT count(*) > 0 FROM core.commune_emails e
                     WHERE e.address = m.sender) AS sender_known
        FROM core.mail_messages m
        WHERE m.reply_wanted AND NOT m.automatic AND m.reply_to IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM core.mail_sent s WHERE s.mail_id = m.mail_id
                          AND s.mode IN ('sent', 'dry-run'))
          AND NOT EXISTS (SELECT 1 FROM core.arrivals a WHERE a.mail_id = m.mail_id
                          AND NOT EXISTS (SELECT 1 FROM core.submissions s
                                          WHERE s.inbox_path = a.inbox_path
                                            AND s.sha256 = a.sha256))
          AND (m.n_files > 0 OR EXISTS (SELECT 1 FROM core.commune_emails e
                                        WHERE e.address = m.sender))
        ORDER BY m.arrived_at, m.uid""")


def files_of_message(con: duckdb.DuckDBPyConnection, mail_id: str) -> list[dict[str, Any]]:
    """Each file a message brought, with what the night made of it (main.submissions)."""
    return _records(con, """
        SELECT a.attachment_name, a.member_name, a.note, s.*, r.status AS report_status,
               p.label AS period_label
        FROM core.arrivals a
        JOIN main.submissions s ON s.inbox_path = a.inbox_path AND s.sha256 = a.sha256
        LEFT JOIN core.reports r ON r.report_id = s.report_id
        LEFT JOIN core.periods p ON p.period = s.period
        WHERE a.mail_id = ? ORDER BY a.inbox_path""", [mail_id])


def record_sent(con: duckdb.DuckDBPyConnection, sent: Sent) -> str:
    sent_id = uuid.uuid4().hex[:20]
    con.execute("INSERT INTO core.mail_sent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sent_id, sent.kind, sent.mode, sent.to_address, sent.mail_id, sent.admin_map,
                 sent.commune_code, sent.period, sent.subject, sent.body, sent.message_id,
                 datetime.now(), sent.eml_path, sent.error])
    return sent_id


def reminder_targets(con: duckdb.DuckDBPyConnection, admin_map: str, period: str,
                     same_days: Sequence[str]) -> list[dict[str, Any]]:
    """The communes on ``admin_map`` with registered addresses, not reminded of ``period``
    yet, that the warehouse holds no report from (of any status) for ``period`` or another
    period covering the same days (``same_days``: a Q2 report answers for H1): one row per
    commune with its addresses."""
    return _records(con, """
        SELECT e.commune_code, u.name AS commune_name, list(e.address ORDER BY e.address)
               AS addresses
        FROM core.commune_emails e
        JOIN core.admin_units u ON u.admin_map = e.admin_map AND u.level = 'commune'
             AND u.code = e.commune_code
        WHERE e.admin_map = $map
          AND NOT EXISTS (SELECT 1 FROM core.reports r WHERE r.admin_map = e.admin_map
                          AND r.commune_code = e.commune_code
                          AND r.period IN (SELECT unnest($periods::VARCHAR[])))
          AND NOT EXISTS (SELECT 1 FROM core.mail_sent s WHERE s.kind = 'reminder'
                          AND s.mode IN ('sent', 'dry-run') AND s.admin_map = e.admin_map
                          AND s.commune_code = e.commune_code AND s.period = $period)
        GROUP BY ALL ORDER BY e.commune_code""",
                    {"map": admin_map, "period": period, "periods": [period, *same_days]})


# The command line's registry of addresses ----------------------------------------------------

class AddressError(CchcError):
    """An address or commune code that cannot be registered, named with where it was read."""


def register_addresses(db: str | Path, entries: Sequence[tuple[str, str, str | None]],
                       source: str) -> tuple[int, int]:
    """Register (commune code, address, map or None for today's) pairs, all or none; (added,
    already there). Each code must be a commune on its map, each address an e-mail address."""
    from cchc.transforms import admin_units
    from cchc.warehouse.schema import connect

    checked = [_checked(code, address, admin_map or admin_units.map_on(date.today()), where)
               for where, (code, address, admin_map) in _numbered(entries, source)]
    con = connect(db, retry_seconds=60)
    try:
        with transaction(con):
            added = sum(add_commune_email(con, address, admin_map, code, source)
                        for code, address, admin_map in checked)
    finally:
        con.close()
    return added, len(checked) - added


def _numbered(entries: Sequence, source: str):
    return [(f"{source}, dòng {n}" if len(entries) > 1 else source, entry)
            for n, entry in enumerate(entries, start=2 if len(entries) > 1 else 1)]


def _checked(code: str, address: str, admin_map: str, where: str) -> tuple[str, str, str]:
    from cchc.errors import UnknownUnit
    from cchc.transforms import admin_units

    if admin_map not in admin_units.MAPS:
        raise AddressError(f"{where}: bản đồ {admin_map!r} không có; chọn "
                           f"{' hoặc '.join(admin_units.MAPS)}")
    try:
        admin_units.unit(code.strip(), "commune", admin_map)
    except (UnknownUnit, ValueError):
        raise AddressError(f"{where}: không có xã mã {code!r} trên bản đồ {admin_map} (mã GSO, "
                           "xem reference/admin_units.csv)") from None
    found = parseaddr(address.strip())[1]
    if not _ADDRESS.fullmatch(found):
        raise AddressError(f"{where}: {address!r} không phải địa chỉ thư điện tử")
    return code.strip(), found.lower(), admin_map


def registered(db: str | Path) -> list[dict[str, Any]]:
    """The registry, read-only (waits while the night writes)."""
    from cchc.warehouse.schema import connect

    con = connect(db, read_only=True, retry_seconds=30)
    try:
        return commune_emails(con)
    finally:
        con.close()


def read_address_csv(path: Path) -> list[tuple[str, str, str | None]]:
    """(code, address, map) rows of a CSV with a header naming ``code`` and ``address``
    (and, optionally, ``map``), as an office exports it from a spreadsheet."""
    import csv

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AddressError(f"{path}: không đọc được tệp CSV ({exc})") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = {k.strip().lower() for k in (rows[0].keys() if rows else [])}
    if not {"code", "address"} <= header:
        raise AddressError(f"{path}: dòng đầu phải có cột code và address (tùy chọn: map), "
                           "ví dụ: code,address")
    return [(row.get("code", "") or "", row.get("address", "") or "", row.get("map") or None)
            for row in ({k.strip().lower(): (v or "").strip() for k, v in r.items() if k}
                        for r in rows)]
