"""After the night, the answers: each message's sender told what became of its files, and,
``remind_days`` before a deadline, the communes the warehouse holds no report from reminded.

Off by default (setting ``replies``). ``dry-run`` writes every message as an .eml file under
``outbox`` for the officer to open first; ``on`` sends them over ``smtp``. Everything written
or sent is recorded in ``core.mail_sent`` (who, when, what); a message whose answer could not
be sent stays due and is answered by the next night. The warehouse is read, then let go while
the SMTP server is talked to, then written once: a slow mail server never holds the desk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from cchc.settings import Settings

# The reports a commune sends a year; Q2-Q4 are due the same days as H1, 9M and FY, and a
# commune that sent one of those has sent for that day.
REMINDED = ("Q1", "H1", "9M", "FY")
DEFAULT_OFFICE = "Phòng Nội vụ"


@dataclass(frozen=True)
class Due:
    """One message to write: to whom, what, and what to record it as."""

    envelope: Any  # mail.send.Envelope
    kind: str
    mail_id: str | None = None
    admin_map: str | None = None
    commune_code: str | None = None
    period: str | None = None


def answer(settings: Settings, today: date | None = None) -> tuple[str, ...]:
    """Write or send what is due; the run summary's line about it (none when replies are
    off or nothing was due)."""
    if settings.replies == "off":
        return ()
    if not settings.reply_from:
        return ("Thư trả lời xã: chưa gửi, thiếu thiết lập reply_from (địa chỉ gửi của "
                "Phòng).",)
    if settings.replies == "on" and not settings.smtp:
        return ("Thư trả lời xã: chưa gửi, thiếu thiết lập smtp (máy chủ gửi thư).",)
    due = _due(settings, today or date.today())
    if not due:
        return ()
    sent, error = _deliver(settings, due)
    return (_line(settings, sent, error),)


def _due(settings: Settings, today: date) -> list[Due]:
    from cchc.warehouse.schema import connect

    office = parseaddr(settings.reply_from or "")[0] or DEFAULT_OFFICE
    con = connect(settings.db, read_only=True, retry_seconds=60)
    try:
        return [*_replies(con, office), *_reminders(con, settings, office, today)]
    finally:
        con.close()


def _replies(con, office: str) -> list[Due]:
    from cchc.mail.compose import FileResult, addressee, reply
    from cchc.mail.send import Envelope
    from cchc.warehouse import desk
    from cchc.warehouse import mail as store

    due = []
    registered = {row["address"]: row for row in store.commune_emails(con)}
    for message in store.replies_due(con):
        files = [FileResult(row["file_name"], row["attachment_name"], row["member_name"],
                            row["status"], row["reason"], row["commune_name"],
                            row["period_label"], row["doc_number"],
                            tuple(desk.issues(con, row["report_id"]))
                            if row["report_id"] and row["status"] != "duplicate" else ())
                 for row in store.files_of_message(con, message["mail_id"])]
        known = registered.get(message["sender"])
        names = {f.commune_name for f in files if f.commune_name}
        whom = addressee(known["commune_name"] if known else
                         next(iter(names)) if len(names) == 1 else None)
        written = reply(office, whom, message, files)
        due.append(Due(Envelope(message["reply_to"], written.subject, written.body,
                                message["message_id"]), "reply", message["mail_id"]))
    return due


def _reminders(con, settings: Settings, office: str, today: date) -> list[Due]:
    from cchc.mail.compose import reminder
    from cchc.mail.send import Envelope
    from cchc.transforms.admin_units import map_on
    from cchc.warehouse import mail as store

    if settings.remind_days == 0:
        return []
    due, address = [], parseaddr(settings.reply_from or "")[1]
    for period, deadline, same_days in _upcoming(settings, today):
        for row in store.reminder_targets(con, map_on(period.end), period.key, same_days):
            written = reminder(office, row["commune_name"], period.label, deadline, today,
                               address)
            due += [Due(Envelope(to, written.subject, written.body), "reminder", None,
                        map_on(period.end), row["commune_code"], period.key)
                    for to in row["addresses"]]
    return due


def _upcoming(settings: Settings, today: date) -> list[tuple[Any, date, list[str]]]:
    """(period, its deadline, the other keys covering its days) for the reminded periods
    whose deadline falls within ``remind_days`` from today, deadline day included."""
    from cchc.summary.timeliness import deadline_for, parse_deadlines
    from cchc.transforms.periods import load_rules, parse_period

    deadlines = parse_deadlines(settings.deadlines)
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        every = [parse_period(f"{year}-{suffix}") for suffix in load_rules()]
        for period in (p for p in every if p.suffix in REMINDED):
            deadline = deadline_for(period, deadlines)
            if 0 <= (deadline - today).days <= settings.remind_days:
                found.append((period, deadline, [p.key for p in every
                                                 if p.end == period.end and p != period]))
    return found


def _deliver(settings: Settings, due: Sequence[Due]) -> tuple[list, str | None]:
    """Write (dry run) or send each message; (what to record, the failure that stopped the
    sending, if any). A failure to reach the server marks every message failed."""
    from cchc.mail.send import SendFailed, Smtp, build, write_eml
    from cchc.mail.servers import SMTP_PASSWORD_VARIABLE, ServerSettingError, parse_server
    from cchc.mail.servers import password as read_password
    from cchc.warehouse.mail import Sent

    started = datetime.now()
    built = [(item, build(settings.reply_from or "", item.envelope)) for item in due]
    records, error = [], None

    def record(item: Due, message, mode: str, eml: str | None = None,
               failure: str | None = None) -> None:
        records.append(Sent(item.kind, mode, item.envelope.to, item.envelope.subject,
                            item.envelope.body, message["Message-ID"], item.mail_id,
                            item.admin_map, item.commune_code, item.period, eml, failure))

    if settings.replies == "dry-run":
        folder = settings.outbox / f"{started:%Y-%m-%d}"
        for n, (item, message) in enumerate(built, start=1):
            path = write_eml(message, folder, f"{started:%H%M%S}-{n:03d}-{item.kind}")
            record(item, message, "dry-run", str(path.resolve()))
    else:
        server = parse_server(settings.smtp or "", ("smtps", "smtp"), "smtp")
        try:
            secret = read_password(SMTP_PASSWORD_VARIABLE, settings.smtp_password_file)
            with Smtp(server, secret, settings.smtp_ca) as smtp:
                for item, message in built:
                    try:
                        smtp.send(message)
                        record(item, message, "sent")
                    except SendFailed as exc:
                        record(item, message, "failed", failure=str(exc))
        except (SendFailed, ServerSettingError) as exc:
            error = str(exc)
            for item, message in built[len(records):]:
                record(item, message, "failed", failure=error)
    _record(settings, records)
    return records, error


def _record(settings: Settings, records: Sequence) -> None:
    from cchc.warehouse.mail import record_sent
    from cchc.warehouse.schema import connect, transaction

    con = connect(settings.db, retry_seconds=60)
    try:
        with transaction(con):
            for sent in records:
                record_sent(con, sent)
    finally:
        con.close()


def _line(settings: Settings, records: Sequence, error: str | None) -> str:
    counts = {kind: sum(1 for r in records if r.kind == kind and r.mode != "failed")
              for kind in ("reply", "reminder")}
    failed = sum(1 for r in records if r.mode == "failed")
    said = f"{counts['reply']} thư trả lời, {counts['reminder']} thư nhắc hạn"
    if settings.replies == "dry-run":
        return (f"Thư gửi xã (chạy thử, chưa gửi): {said} ghi thành tệp .eml trong "
                f"{settings.outbox.resolve()}.")
    line = f"Thư gửi xã: đã gửi {said}."
    if error:
        return f"Thư gửi xã: KHÔNG GỬI ĐƯỢC: {error}; {failed} thư sẽ được gửi lại đêm sau."
    if failed:
        line += f" {failed} thư không gửi được, sẽ gửi lại đêm sau."
    return line
