"""The office mailbox in a night: pull new messages into the inbox before the run; after it,
check who sent each report, answer the communes and remind the late ones (flows/answers.py).

A pull never stops the night: a mailbox out of reach is one Vietnamese line in the run's
summary and in ``cchc status``, and the night reads what the inbox folder already holds. Each
message is taken in three steps, so that a crash anywhere loses nothing and fetches nothing
twice: its files are written into the inbox, the message and its files are recorded in the
warehouse (one transaction), and only then is it flagged or moved in the mailbox; a message
recorded but not yet flagged is flagged by the next pull, never fetched again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from cchc.errors import CchcError
from cchc.mail.message import Letter, read_letter
from cchc.mail.servers import IMAP_PASSWORD_VARIABLE, parse_server, password
from cchc.settings import Settings
from cchc.transforms.model import Issue

# Fetched this many at a time: one round trip for the batch, one short hold of the warehouse.
BATCH = 50
MAIL_FOLDER = "hop-thu"  # under the inbox: inbox/hop-thu/<day>/thu-<uidvalidity>-<uid>/<file>
TOO_BIG = ("thư lớn hơn {mb} MB, không tải về; thư vẫn nằm trong hộp thư: cán bộ mở thư để "
           "xem xã gửi gì")
KNOWN_MESSAGE = "thư đã được lấy trước đó (cùng Message-ID), máy chủ thư đã đánh số lại"


@dataclass(frozen=True)
class Pull:
    """What a pull did: messages and files taken, or why the mailbox could not be read (the
    messages taken before a failure stay taken)."""

    mailbox: str
    n_messages: int = 0
    n_files: int = 0
    error: str | None = None

    def line(self) -> str:
        """The pull in one line of the run's summary, in Vietnamese."""
        if self.error is None:
            return (f"Hộp thư {self.mailbox}: lấy {self.n_messages} thư mới, "
                    f"{self.n_files} tệp vào thư mục nhận.")
        taken = (f"đã lấy {self.n_messages} thư ({self.n_files} tệp) trước khi lỗi; "
                 if self.n_messages else "")
        return (f"Hộp thư {self.mailbox}: KHÔNG ĐỌC ĐƯỢC: {self.error}; {taken}đêm nay chỉ xử "
                "lý các tệp đã có trong thư mục nhận.")


def pull(settings: Settings) -> Pull:
    """Take the mailbox's new messages into the inbox, recorded in the warehouse; the pull is
    recorded too (``cchc status`` shows the last one). Never raises for the mailbox's sake."""
    from cchc.mail.imap import MailboxUnavailable, open_mailbox
    from cchc.mail.servers import ServerSettingError

    server = parse_server(settings.mailbox or "", ("imaps", "imap"), "mailbox")
    started, result = datetime.now(), Pull(server.said())
    try:
        secret = password(IMAP_PASSWORD_VARIABLE, settings.mailbox_password_file)
        with open_mailbox(server, secret, settings.mailbox_ca) as box:
            result = _take(settings, box, result)
    except (MailboxUnavailable, ServerSettingError) as exc:
        result = replace(result, error=str(exc))
    _record_pull(settings, started, result)
    return result


def _take(settings: Settings, box, result: Pull) -> Pull:
    from cchc.warehouse import mail as store

    with _warehouse(settings) as con:
        done = store.recorded_uids(con, box.server.said(), box.uidvalidity)
        renumbered = store.had_other_validity(con, box.server.said(), box.uidvalidity)
        known_ids = store.known_message_ids(con, box.server.said()) if renumbered else set()
    _mark(settings, box, [uid for uid, marked in done.items() if not marked])
    todo = [uid for uid in box.uids(settings.mailbox_since) if uid not in done]
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        again = {uid for uid, mid in box.message_ids(batch).items()
                 if mid in known_ids} if known_ids else set()
        taken = [_taken(settings, box, raw, raw.uid in again) for raw in box.fetch(batch)]
        with _warehouse(settings) as con:
            for message, arrivals in taken:
                store.record_message(con, message, arrivals)
        _mark(settings, box, [message.uid for message, _ in taken])
        result = replace(result, n_messages=result.n_messages + len(taken),
                         n_files=result.n_files + sum(len(a) for _, a in taken))
    return result


def _taken(settings: Settings, box, raw, known: bool):
    """(the message as recorded, the arrivals of its files written into the inbox)."""
    from cchc.mail.imap import MAX_MESSAGE_BYTES
    from cchc.warehouse.mail import Fetched

    letter = read_letter(raw.data) if raw.data is not None and not known else None
    reason = (KNOWN_MESSAGE if known else
              TOO_BIG.format(mb=MAX_MESSAGE_BYTES // 2**20) if letter is None else letter.reason)
    message = Fetched(
        box.server.said(), box.uidvalidity, raw.uid, letter.message_id if letter else None,
        letter.sender if letter else None, letter.sender_name if letter else None,
        letter.reply_to if letter else None, letter.subject if letter else "",
        _local(letter.sent_at) if letter else None, raw.arrived_at, raw.size,
        letter.automatic if letter else True, reason,
        settings.replies != "off" and not known)
    if letter is None:
        return message, []
    folder = (settings.inbox / MAIL_FOLDER / f"{raw.arrived_at:%Y-%m-%d}"
              / f"thu-{box.uidvalidity}-{raw.uid}")
    return message, _save(folder, letter, raw.arrived_at)


def _save(folder: Path, letter: Letter, arrived_at: datetime) -> list:
    """Write the letter's files into ``folder``, each dated when the message reached the
    server (a report mailed on the deadline's evening is on time, whenever the night runs)."""
    from cchc.warehouse.mail import Arrival

    arrivals, used = [], set()
    for piece in letter.pieces:
        path = folder / _unique(piece.name, used)
        _write(path, piece.data, arrived_at.timestamp())
        arrivals.append(Arrival(str(path.resolve()), hashlib.sha256(piece.data).hexdigest(),
                                "mailbox", arrived_at, piece.attachment, piece.member,
                                piece.note))
    return arrivals


def _unique(name: str, used: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem}-{n}.{extension}" if dot else f"{name}-{n}"
    used.add(candidate.casefold())
    return candidate


def _write(path: Path, data: bytes, mtime: float) -> None:
    """Atomically: a hidden temporary file (the night's discovery skips it), then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", delete=False) as temporary:
        temporary.write(data)
        temporary.flush()
        os.fsync(temporary.fileno())
    os.utime(temporary.name, (mtime, mtime))
    os.replace(temporary.name, path)


def _mark(settings: Settings, box, uids: Sequence[int]) -> None:
    from cchc.warehouse import mail as store

    if not uids:
        return
    box.mark(uids, settings.mailbox_move_to)
    with _warehouse(settings) as con:
        store.mark_done(con, box.server.said(), box.uidvalidity, uids)


def _record_pull(settings: Settings, started: datetime, result: Pull) -> None:
    from cchc.warehouse.mail import record_pull

    with _warehouse(settings) as con:
        record_pull(con, result.mailbox, started, result.error is None, result.n_messages,
                    result.n_files, result.error)


@contextmanager
def _warehouse(settings: Settings) -> Iterator:
    """The warehouse open for writing for a moment (waits up to a minute for a reader)."""
    from cchc.warehouse.schema import connect

    con = connect(settings.db, retry_seconds=60)
    try:
        yield con
    finally:
        con.close()


def _local(moment: datetime | None) -> datetime | None:
    """An aware Date header as naive local time, like every timestamp of the warehouse."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def sender_warnings(settings: Settings, extracted: Sequence) -> dict[str, Issue]:
    """sha256 → a warning for each report whose letterhead names another commune than the
    ones its sender's address is registered to (a warning for the officer: a district office
    may send for a commune). Files that did not come by mail, or from an unregistered
    address, get none."""
    from cchc.transforms.admin_units import same_commune
    from cchc.warehouse.mail import senders_of
    from cchc.warehouse.schema import connect

    reports = [item for item in extracted if item.report is not None]
    if not reports or not settings.db.exists():
        return {}
    con = connect(settings.db, read_only=True, retry_seconds=60)
    try:
        senders = senders_of(con, [(str(i.received.path), i.received.sha256) for i in reports])
    finally:
        con.close()
    warnings = {}
    for item in reports:
        found = senders.get((str(item.received.path), item.received.sha256))
        meta = item.report.meta
        if not found or not found["communes"] or not meta.commune_code:
            continue
        if not any(same_commune(item.report.admin_map, meta.commune_code, admin_map, code)
                   for admin_map, code, _ in found["communes"]):
            warnings[item.received.sha256] = _sender_issue(found, meta)
    return warnings


def _sender_issue(found: dict, meta) -> Issue:
    registered = ", ".join(f"{name or code} ({code})" for _, code, name in found["communes"])
    return Issue("sender_commune", "warning", (),
                 f"Báo cáo ghi là của {meta.commune_name or '?'} ({meta.commune_code}), nhưng "
                 f"thư gửi từ địa chỉ {found['sender']}, địa chỉ đã đăng ký cho {registered}; "
                 "đề nghị cán bộ kiểm tra xã nào gửi báo cáo này")


def with_sender_warnings(settings: Settings, extracted: Sequence,
                         verdicts: dict) -> dict:
    """The verdicts with each sender warning added (a warning never changes a status)."""
    warnings = sender_warnings(settings, extracted)
    return {sha256: replace(verdict, issues=(*verdict.issues, warnings[sha256]))
            if sha256 in warnings else verdict for sha256, verdict in verdicts.items()}


def pulled_note(settings: Settings) -> tuple[str, ...]:
    """Pull the mailbox when one is set; the run summary's line about it (none otherwise)."""
    if not settings.mailbox:
        return ()
    try:
        return (pull(settings).line(),)
    except CchcError as exc:  # the warehouse itself busy: the night goes on without mail
        return (f"Hộp thư: không lấy thư đêm nay ({exc}).",)
