"""The office mailbox end to end, against Debian's Dovecot and an aiosmtpd server on loopback
that the tests start: every kind of message a night meets, the second night, the mailbox down,
a wrong password, an untrusted certificate, the answers to the communes."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest
from lxml import html

from cchc.errors import CchcError
from cchc.settings import Settings
from tests.mail_servers import PASSWORD, Dovecot, SmtpRecorder, dovecot_missing

pytestmark = pytest.mark.skipif(dovecot_missing() is not None, reason=dovecot_missing() or "")

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS, HOSTILE = FIXTURES / "reports", FIXTURES / "hostile"
OFFICE = "Phòng Nội vụ huyện Hoằng Hóa <noivu@hoanghoa.gov.vn>"
HOANG_DUC, HOANG_LUU, MINH_SON = "xa.hoangduc@gmail.com", "hoangluu@hoanghoa.gov.vn", \
    "minhson@hoanghoa.gov.vn"
KINDS = {".pdf": ("application", "pdf"), ".xlsx": ("application", "vnd.openxmlformats-"
                                                   "officedocument.spreadsheetml.sheet"),
         ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
         ".zip": ("application", "zip"), ".rar": ("application", "x-rar-compressed"),
         ".txt": ("text", "plain")}


@pytest.fixture
def dovecot():
    server = Dovecot().start()
    yield server
    server.remove()


@pytest.fixture
def smtp():
    server = SmtpRecorder().start()
    yield server
    server.stop()


def letter(sender: str, subject: str, *files: tuple[str, bytes], message_id: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "noivu@hoanghoa.gov.vn"
    message["Subject"], message["Message-ID"] = subject, message_id
    message["Date"] = "Fri, 20 Sep 2024 09:15:00 +0700"
    message.set_content("Kính gửi Phòng Nội vụ, xã gửi báo cáo CCHC.")
    for name, data in files:
        maintype, subtype = KINDS[Path(name).suffix]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def zipped(*members: tuple[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def rejected_text() -> bytes:
    """Xã Minh Sơn's 6-month report with a plan figure that contradicts its parts."""
    text = (REPORTS / "txt_15691_2024-H1.txt").read_text(encoding="utf-8-sig")
    planned = next(line for line in text.splitlines() if line.startswith("1.1.2 "))
    return text.replace(planned, re.sub(r"\d+\s*$", "999", planned)).encode()


def settings_for(tmp_path: Path, server: Dovecot, **changes) -> Settings:
    base = Settings(inbox=tmp_path / "inbox", db=tmp_path / "cchc.duckdb",
                    archive=tmp_path / "archive", docs=tmp_path / "docs", workers=1,
                    mailbox=server.url(), mailbox_ca=server.ca, outbox=tmp_path / "outbox")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return replace(base, **changes)


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


ARRIVED = dt.datetime(2024, 9, 20, 16, 45)  # the afternoon of the 9-month deadline


def fill(server: Dovecot) -> None:
    pdf = (REPORTS / "pdf_word_15928_2024-9M.pdf").read_bytes()
    server.append(letter(HOANG_DUC, "Báo cáo CCHC 9 tháng", ("BC 9T Hoằng Đức.pdf", pdf),
                         message_id="<pdf@hoangduc>"), ARRIVED)
    server.append(letter(HOANG_LUU, "BC CCHC", ("Bao cao Hoang Luu.xlsx",
                                               (REPORTS / "xlsx_15976_2024-9M.xlsx").read_bytes()),
                         message_id="<xlsx@hoangluu>"), ARRIVED)
    server.append(letter("vanthu@hoanghoa.gov.vn", "Bút Sơn 6 tháng",
                         ("ButSon_6T.docx", (REPORTS / "docx_15865_2024-H1.docx").read_bytes()),
                         message_id="<docx@butson>"), ARRIVED)
    server.append(letter(MINH_SON, "Hai báo cáo", ("bao cao.zip", zipped(
        ("6 tháng/Minh Sơn 6T.pdf", (REPORTS / "pdf_word_15691_2024-H1.pdf").read_bytes()),
        ("Minh Sơn Q1.xlsx", (REPORTS / "xlsx_15691_2024-Q1.xlsx").read_bytes()),
        ("__MACOSX/._Minh Sơn Q1.xlsx", b"\0\5\26\7"))), message_id="<zip@minhson>"), ARRIVED)
    server.append(letter(HOANG_DUC, "Quên đính kèm", message_id="<empty@hoangduc>"), ARRIVED)
    server.append(letter("quangcao@example.com", "Khuyến mãi", message_id="<spam@x>"), ARRIVED)
    server.append(letter(HOANG_LUU, "Gửi lại", ("hong.pdf", (HOSTILE / "truncated.pdf")
                                                .read_bytes()), message_id="<bad@hoangluu>"),
                  ARRIVED)
    server.append(letter(HOANG_DUC, "Gửi lại lần 2", ("ban sao.pdf", pdf),
                         message_id="<dup@hoangduc>"), ARRIVED)
    server.append(letter(HOANG_LUU, "Nén RAR", ("baocao.rar", b"Rar!\x1a\x07\x01\x00" +
                                                bytes(range(256)) * 4),
                         message_id="<rar@hoangluu>"), ARRIVED)
    server.append(letter(MINH_SON, "Báo cáo 6 tháng (sửa)", ("MinhSon_6T.txt", rejected_text()),
                         message_id="<rejected@minhson>"), ARRIVED)


def register(db: Path) -> None:
    from cchc.warehouse.mail import register_addresses

    # Minh Sơn's address is also registered, by mistake, to Hoằng Lưu: its reports warn.
    register_addresses(db, [("15928", HOANG_DUC, "legacy"), ("15976", HOANG_LUU, "legacy"),
                            ("15976", MINH_SON, "legacy")], "test")


def test_a_night_takes_every_message_once_and_answers_each_commune(
        tmp_path, dovecot, smtp, prefect_harness, monkeypatch):
    from cchc.flows.ingest import run_ingest

    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", PASSWORD)
    fill(dovecot)
    settings = settings_for(tmp_path, dovecot, replies="on", smtp=smtp.url(), reply_from=OFFICE,
                            remind_days=0)
    register(settings.db)
    summary = run_ingest(settings)

    assert f"Hộp thư {dovecot.url()}: lấy 10 thư mới, 9 tệp vào thư mục nhận." in \
        summary.markdown()
    # The mailbox: every message still there, each seen, none deleted.
    assert dovecot.state() == {uid: {b"\\Seen"} for uid in range(1, 11)}
    files = dict(rows(settings.db, """
        SELECT coalesce(member_name, attachment_name), status FROM arrivals"""))
    assert files == {"BC 9T Hoằng Đức.pdf": "accepted", "Bao cao Hoang Luu.xlsx": "accepted",
                     "ButSon_6T.docx": "accepted", "6 tháng/Minh Sơn 6T.pdf": "accepted",
                     "Minh Sơn Q1.xlsx": "accepted", "hong.pdf": "quarantined",
                     "ban sao.pdf": "duplicate", "baocao.rar": "quarantined",
                     "MinhSon_6T.txt": "rejected"}
    assert rows(settings.db, "SELECT DISTINCT received_via, received_at FROM submissions") == \
        [("mailbox", ARRIVED)]  # dated when the mail came, not when the night read it
    assert rows(settings.db, """SELECT s.reason FROM submissions s JOIN arrivals a USING
                                (submission_id) WHERE a.attachment_name = 'baocao.rar'""")[0][0] \
        .startswith("tệp nén RAR, hệ thống không mở được tệp nén loại này; đề nghị xã gửi "
                    "chính các tệp")
    provenance = rows(settings.db, """SELECT message_id, sender, subject, sent_at FROM arrivals
                                      WHERE attachment_name = 'BC 9T Hoằng Đức.pdf'""")
    assert provenance == [("<pdf@hoangduc>", HOANG_DUC, "Báo cáo CCHC 9 tháng",
                           dt.datetime(2024, 9, 20, 2, 15, tzinfo=dt.UTC).astimezone()
                           .replace(tzinfo=None))]
    no_files = dict(rows(settings.db, "SELECT message_id, reason FROM mail_messages "
                                      "WHERE n_files = 0"))
    assert set(no_files) == {"<empty@hoangduc>", "<spam@x>"}
    assert no_files["<empty@hoangduc>"].startswith("thư không có tệp đính kèm")
    # Who sent it: Minh Sơn's reports came from an address registered to Hoằng Lưu.
    warned = rows(settings.db, """SELECT r.commune_code, i.message FROM issues i
                                  JOIN reports r USING (report_id) WHERE i.rule = 'sender_commune'
                                  ORDER BY 1""")
    assert {code for code, _ in warned} == {"15691"} and len(warned) == 3
    assert MINH_SON in warned[0][1] and "Xã Hoằng Lưu (15976)" in warned[0][1]
    assert rows(settings.db, """SELECT DISTINCT s.status FROM submissions s JOIN arrivals a
                                USING (submission_id) WHERE a.message_id = '<zip@minhson>'""") \
        == [("accepted",)]  # a warning, not a rejection

    # The answers: one per message, except the stranger's advertisement.
    replies = {email.message_from_bytes(raw, policy=policy.default)["In-Reply-To"]:
               email.message_from_bytes(raw, policy=policy.default)
               for _, _, raw in smtp.received}
    assert set(replies) == {"<pdf@hoangduc>", "<xlsx@hoangluu>", "<docx@butson>",
                            "<zip@minhson>", "<empty@hoangduc>", "<bad@hoangluu>",
                            "<dup@hoangduc>", "<rar@hoangluu>", "<rejected@minhson>"}
    assert all(m["Auto-Submitted"] == "auto-replied" for m in replies.values())
    rejected = replies["<rejected@minhson>"]
    assert rejected["To"] == MINH_SON
    assert rejected["Subject"] == "Kết quả tiếp nhận báo cáo CCHC: bị từ chối, cần sửa và gửi lại"
    body = rejected.get_content()
    assert "BỊ TỪ CHỐI" in body and "Đề nghị xã sửa các lỗi trên" in body
    assert "KHÔNG ĐỌC ĐƯỢC, tệp nén RAR" in replies["<rar@hoangluu>"].get_content()
    assert "2 tệp" not in replies["<zip@minhson>"]["Subject"]  # both accepted: one headline
    assert "6 tháng/Minh Sơn 6T.pdf (trong tệp nén bao cao.zip)" in \
        replies["<zip@minhson>"].get_content()
    # Word for word what the desk shows on the report's page.
    report_id = rows(settings.db, "SELECT report_id FROM submissions WHERE status = 'rejected'"
                     )[0][0]
    desk_lines = desk_issue_lines(settings.db, report_id)
    assert desk_lines and any(label == "Lỗi" for label, _ in desk_lines)
    listed = [line.strip()[2:] for line in body.splitlines() if line.strip().startswith("- ")]
    assert listed == [f"{label}: {message}" for label, message in desk_lines]
    assert rows(settings.db, "SELECT count(*), count(DISTINCT mail_id) FROM mail_sent "
                             "WHERE mode = 'sent'") == [(9, 9)]
    # Every message is on the desk's mail page, unknown senders marked, none dropped.
    mail_rows = [" ".join(row.text_content().split())
                 for row in desk_page(settings.db, "/mail").xpath("//table[@id='mail']/tbody/tr")]
    assert len(mail_rows) == 10
    strangers = [row for row in mail_rows if "địa chỉ chưa đăng ký" in row]
    assert {("quangcao@example.com" in row, "vanthu@hoanghoa.gov.vn" in row)
            for row in strangers} == {(True, False), (False, True)}
    assert any("Khuyến mãi" in row and "không có tệp đính kèm" in row for row in strangers)
    assert any("đã đăng ký: Xã Hoằng Đức" in row for row in mail_rows)

    # The second night: nothing fetched again, nothing answered again.
    again = run_ingest(settings)
    assert f"Hộp thư {dovecot.url()}: lấy 0 thư mới, 0 tệp" in again.markdown()
    assert again.outcomes == () and len(smtp.received) == 9
    assert rows(settings.db, "SELECT count(*) FROM mail_messages") == [(10,)]


def desk_page(db: Path, path: str):
    """A page of the desk, served for real and read as an officer logged in reads it."""
    from cchc.web.accounts import create_user
    from tests.desk_server import serve

    with contextlib.suppress(CchcError):  # the account exists from an earlier call
        create_user(db, "can_bo", "officer", "mat-khau-dung-roi")
    with serve(db) as (base, _):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{base}/login").read().decode()
        token = page.split('name="csrftoken" value="')[1].split('"')[0]
        opener.open(f"{base}/login", data=urllib.parse.urlencode(
            {"csrftoken": token, "name": "can_bo", "password": "mat-khau-dung-roi"}).encode())
        return html.fromstring(opener.open(f"{base}{path}").read())


def desk_issue_lines(db: Path, report_id: str) -> list[tuple[str, str]]:
    """(severity, message) of each row of the issues table on the desk's report page."""
    document = desk_page(db, f"/report/{report_id}")
    return [tuple(" ".join(cell.text_content().split()) for cell in row.findall("td"))
            for row in document.xpath("//table[@id='issues']/tbody/tr")]


def test_messages_can_be_moved_to_a_folder_over_plain_imap_with_starttls(
        tmp_path, dovecot, monkeypatch):
    from cchc.flows.mailbox import pull

    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", PASSWORD)
    pdf = (REPORTS / "pdf_word_15976_2024-Q1.pdf").read_bytes()
    for n in range(3):
        dovecot.append(letter(HOANG_LUU, f"Quý I ({n})", (f"q1-{n}.pdf", pdf),
                              message_id=f"<q1-{n}@hoangluu>"))
    settings = settings_for(tmp_path, dovecot, mailbox=dovecot.url(tls=False),
                            mailbox_move_to="Đã xử lý")
    result = pull(settings)
    assert (result.n_messages, result.n_files, result.error) == (3, 3, None)
    assert dovecot.state() == {}
    assert list(dovecot.state("Đã xử lý").values()) == [{b"\\Seen"}] * 3
    assert sorted(p.name for p in (tmp_path / "inbox").rglob("*.pdf")) == \
        ["q1-0.pdf", "q1-1.pdf", "q1-2.pdf"]
    assert pull(settings).n_messages == 0


def test_the_mailbox_down_at_night_is_one_line_and_the_folder_is_still_read(
        tmp_path, dovecot, prefect_harness, monkeypatch):
    import shutil

    from cchc.flows.ingest import run_ingest

    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", PASSWORD)
    settings = settings_for(tmp_path, dovecot)
    shutil.copy(REPORTS / "xlsx_15976_2024-9M.xlsx", settings.inbox / "Hoang Luu.xlsx")
    dovecot.stop()
    summary = run_ingest(settings)
    line = (f"Hộp thư {dovecot.url()}: KHÔNG ĐỌC ĐƯỢC: máy chủ thư 127.0.0.1:{dovecot.tls} từ "
            "chối kết nối (máy chủ tắt hoặc sai cổng); đêm nay chỉ xử lý các tệp đã có trong "
            "thư mục nhận.")
    assert line in summary.markdown()
    assert [(o.file_name, o.status) for o in summary.outcomes] == [("Hoang Luu.xlsx",
                                                                    "accepted")]
    status = subprocess.run([sys.executable, "-m", "cchc.cli", "status", "--db",
                             str(settings.db)], capture_output=True, text=True, check=True)
    assert (f"Hộp thư {dovecot.url()}: lần lấy thư cuối " in status.stdout
            and "KHÔNG ĐỌC ĐƯỢC: máy chủ thư 127.0.0.1" in status.stdout)
    assert rows(settings.db, "SELECT summary_md LIKE '%KHÔNG ĐỌC ĐƯỢC%' FROM core.runs") == \
        [(True,)]


def test_a_wrong_password_and_an_untrusted_certificate_are_said_and_fetch_nothing(
        tmp_path, dovecot, monkeypatch):
    from cchc.flows.ingest import run_ingest

    dovecot.append(letter(HOANG_DUC, "BC", ("a.pdf", b"%PDF-1.4"), message_id="<a@b>"))
    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", "sai-mat-khau")
    settings = settings_for(tmp_path, dovecot)
    summary = run_ingest(settings).markdown()  # an empty inbox: a quiet night
    assert summary.startswith("Không có tệp mới trong hộp thư (0 tệp đã nhận từ trước).")
    assert ("KHÔNG ĐỌC ĐƯỢC: máy chủ thư từ chối đăng nhập của 'noivu' ([AUTHENTICATIONFAILED] "
            "Authentication failed.); kiểm tra tên đăng nhập và mật khẩu") in summary
    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", PASSWORD)
    untrusted = run_ingest(replace(settings, mailbox_ca=None)).markdown()
    assert "chứng chỉ TLS của máy chủ thư 127.0.0.1" in untrusted
    assert "đặt thiết lập mailbox_ca là tệp chứng chỉ đó" in untrusted
    assert dovecot.state() == {1: set()}  # left unread for the night that can read it
    assert rows(settings.db, "SELECT count(*) FROM mail_messages") == [(0,)]
    assert rows(settings.db, "SELECT ok FROM core.mail_pulls") == [(False,), (False,)]


def test_a_message_recorded_but_not_yet_flagged_is_flagged_next_time_not_fetched_again(
        tmp_path, dovecot, monkeypatch):
    from cchc.flows.mailbox import pull

    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", PASSWORD)
    dovecot.append(letter(HOANG_DUC, "BC", ("a.txt", rejected_text()), message_id="<a@b>"))
    settings = settings_for(tmp_path, dovecot)
    assert pull(settings).n_messages == 1
    # As if the night had been killed between recording the message and flagging it:
    client = dovecot.client()
    client.select_folder("INBOX")
    client.remove_flags([1], [b"\\Seen"])
    client.logout()
    con = duckdb.connect(str(settings.db))
    con.execute("UPDATE core.mail_messages SET marked_at = NULL")
    con.close()
    assert pull(settings).n_messages == 0
    assert dovecot.state() == {1: {b"\\Seen"}}
    assert len(list((tmp_path / "inbox").rglob("*.txt"))) == 1
