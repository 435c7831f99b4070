"""What cchc writes to communes without a server: dry-run .eml files (opened back with the
standard library's parser, as a mail client would), reminders before a deadline, the message
parser's choice of files, and the settings' refusals."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import duckdb
import pytest

from cchc.mail.message import NO_ATTACHMENT, ONLY_DECORATIONS, read_letter, safe_name
from cchc.settings import Settings, SettingsError, load_settings

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
OFFICE = "Phòng Nội vụ huyện Hoằng Hóa <noivu@hoanghoa.gov.vn>"


def settings_for(tmp_path: Path, **changes) -> Settings:
    return replace(Settings(inbox=tmp_path / "inbox", db=tmp_path / "cchc.duckdb",
                            outbox=tmp_path / "outbox", reply_from=OFFICE), **changes)


def test_a_dry_run_writes_reminders_as_eml_files_a_mail_client_opens(tmp_path):
    from cchc.flows.answers import answer
    from cchc.warehouse.mail import register_addresses

    settings = settings_for(tmp_path, replies="dry-run", remind_days=5,
                            deadlines={"2024-9M": "2024-09-25"})
    register_addresses(settings.db, [("15928", "xa.hoangduc@gmail.com", "legacy"),
                                     ("15976", "hoangluu@hoanghoa.gov.vn", "legacy")], "test")
    assert answer(settings, dt.date(2024, 9, 19)) == ()  # six days before: not yet
    line = answer(settings, dt.date(2024, 9, 20))
    assert line == (f"Thư gửi xã (chạy thử, chưa gửi): 0 thư trả lời, 2 thư nhắc hạn ghi thành "
                    f"tệp .eml trong {settings.outbox.resolve()}.",)
    files = sorted(settings.outbox.rglob("*.eml"))
    assert len(files) == 2
    raw = files[0].read_bytes()
    # RFC 2047: the Vietnamese subject travels as encoded words, and parses back whole.
    assert b"Subject: =?utf-8?" in raw and "Nhắc".encode() not in raw.split(b"\r\n\r\n")[0]
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"] == "Nhắc gửi báo cáo CCHC 9 tháng đầu năm 2024: hạn ngày 25/09/2024"
    assert parsed["To"] == "xa.hoangduc@gmail.com"
    assert parsed["From"].addresses[0].display_name == "Phòng Nội vụ huyện Hoằng Hóa"
    assert parsed["Auto-Submitted"] == "auto-generated" and parsed["Message-ID"]
    assert parsed["Date"].datetime.date() == dt.date.today()
    body = parsed.get_content()
    assert "Kính gửi: Ủy ban nhân dân xã Hoằng Đức," in body
    assert "chưa ghi nhận báo cáo công tác cải cách hành chính 9 tháng đầu năm 2024" in body
    assert "Hạn gửi là ngày 25/09/2024" in body and "noivu@hoanghoa.gov.vn" in body
    con = duckdb.connect(str(settings.db), read_only=True)
    sent = con.execute("SELECT kind, mode, commune_code, period, eml_path, subject FROM mail_sent "
                       "ORDER BY commune_code").fetchall()
    con.close()
    assert [row[:4] for row in sent] == [("reminder", "dry-run", "15928", "2024-9M"),
                                         ("reminder", "dry-run", "15976", "2024-9M")]
    assert sent[0][4] == str(files[0].resolve()) and sent[0][5] == parsed["Subject"]
    assert answer(settings, dt.date(2024, 9, 21)) == ()  # reminded once, not every night


def test_no_reminder_to_a_commune_whose_report_is_in_the_warehouse(tmp_path):
    from cchc.flows.answers import answer
    from cchc.warehouse.mail import register_addresses
    from cchc.warehouse.schema import connect

    settings = settings_for(tmp_path, replies="dry-run", remind_days=3)
    register_addresses(settings.db, [("15928", "xa.hoangduc@gmail.com", "legacy"),
                                     ("15976", "hoangluu@hoanghoa.gov.vn", "legacy")], "test")
    con = connect(settings.db)
    con.execute("""INSERT INTO core.reports (report_id, commune_code, period, admin_map,
                       received_at, run_id, status)
                   VALUES ('r1', '15976', '2024-Q2', 'legacy', now(), 'x', 'rejected')""")
    con.close()
    answer(settings, dt.date(2024, 6, 18))  # H1 is due on 20/06; a Q2 report covers its days
    to = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())["To"]
          for p in settings.outbox.rglob("*.eml")]
    assert to == ["xa.hoangduc@gmail.com"]


def test_replies_on_without_a_server_say_so_and_send_nothing(tmp_path):
    from cchc.flows.answers import answer

    assert answer(settings_for(tmp_path, replies="on")) == (
        "Thư trả lời xã: chưa gửi, thiếu thiết lập smtp (máy chủ gửi thư).",)
    assert answer(settings_for(tmp_path, replies="off")) == ()


def message(*parts: tuple[str, str, bytes, dict]) -> bytes:
    letter = EmailMessage()
    letter["From"] = "=?utf-8?b?VUJORCB4w6MgSG/hurFuZyDEkOG7qWM=?= <Xa.HoangDuc@Gmail.com>"
    letter["Subject"], letter["Message-ID"] = "BC", "<m@x>"
    letter.set_content("Kính gửi")
    for name, kind, data, extra in parts:
        maintype, subtype = kind.split("/")
        letter.add_attachment(data, maintype=maintype, subtype=subtype, filename=name or None,
                              **extra)
    return letter.as_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            archive.writestr(info, data)
    return buffer.getvalue()


def test_the_files_of_a_message_are_its_attachments_not_its_decorations():
    pdf = (FIXTURES / "pdf_word_15928_2024-9M.pdf").read_bytes()
    xlsx = (FIXTURES / "xlsx_15976_2024-9M.xlsx").read_bytes()
    raw = message(("../../etc/Báo cáo.pdf", "application/pdf", pdf, {}),
                  ("logo.png", "image/png", b"\x89PNG....", {"disposition": "inline",
                                                             "cid": "<logo@x>"}),
                  ("smime.p7s", "application/pkcs7-signature", b"0\x82", {}),
                  ("anh chup.jpg", "image/jpeg", b"\xff\xd8\xff", {}),
                  ("Phụ lục.xlsx", "application/octet-stream", xlsx, {}))
    letter = read_letter(raw)
    assert letter.sender == "xa.hoangduc@gmail.com" and letter.sender_name == "UBND xã Hoằng Đức"
    assert [(p.name, p.data[:4]) for p in letter.pieces] == [
        ("Báo cáo.pdf", b"%PDF"), ("anh chup.jpg", b"\xff\xd8\xff"),
        ("Phụ lục.xlsx", b"PK\x03\x04")]
    assert letter.reason is None and not letter.automatic
    assert read_letter(message()).reason == NO_ATTACHMENT
    assert read_letter(message(("logo.png", "image/png", b"x", {"disposition": "inline"}))
                       ).reason == ONLY_DECORATIONS


def test_a_zip_is_opened_within_the_caps_or_kept_whole_with_why():
    pdf = (FIXTURES / "pdf_word_15928_2024-9M.pdf").read_bytes()
    opened = read_letter(message(("hai.zip", "application/zip",
                                  zipped({"a/Báo cáo.pdf": pdf, "b.txt": b"x",
                                          "__MACOSX/._b.txt": b"", ".DS_Store": b""}), {})))
    assert [(p.name, p.attachment, p.member) for p in opened.pieces] == [
        ("hai.zip-Báo cáo.pdf", "hai.zip", "a/Báo cáo.pdf"), ("hai.zip-b.txt", "hai.zip", "b.txt")]
    # Windows' own ZIP writes UTF-8 names without the flag that says so.
    utf8 = "Báo cáo.pdf".encode()
    windows = zipped({"X" * (len(utf8) - 4) + ".pdf": pdf}).replace(
        b"X" * (len(utf8) - 4) + b".pdf", utf8)
    found = read_letter(message(("w.zip", "application/zip", windows, {}))).pieces
    assert [(p.member, p.data) for p in found] == [("Báo cáo.pdf", pdf)]
    broken = read_letter(message(("x.zip", "application/zip", b"PK\x03\x04garbage", {})))
    assert [(p.name, p.note) for p in broken.pieces] == [("x.zip", "tệp ZIP bị hỏng, không "
                                                                   "mở được")]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("to.pdf", b"\0" * (201 * 2**20))
    kept = read_letter(message(("bom.zip", "application/zip", bomb.getvalue(), {}))).pieces
    assert [(p.name, p.note) for p in kept] == [
        ("bom.zip", "tệp ZIP giải nén ra hơn 200 MB, vượt giới hạn của một báo cáo")]
    xlsx = (FIXTURES / "xlsx_15976_2024-9M.xlsx").read_bytes()
    assert read_letter(message(("p.xlsx", "application/zip", xlsx, {}))).pieces[0].data == xlsx


def test_names_from_a_message_cannot_leave_the_inbox():
    assert safe_name("../../etc/passwd", "f") == "passwd"
    assert safe_name("C:\\Users\\xa\\Báo cáo.pdf", "f") == "Báo cáo.pdf"
    assert safe_name("..", "tep") == "tep" and safe_name("a\x00b.pdf", "f") == "a_b.pdf"
    assert len(safe_name("x" * 300 + ".docx", "f")) == 100
    assert safe_name("x" * 300 + ".docx", "f").endswith(".docx")


def test_an_automatic_message_is_never_answered():
    raw = message().replace(b"Subject: BC", b"Auto-Submitted: auto-replied\r\nSubject: BC")
    assert read_letter(raw.replace(b"\r\n", b"\n")).automatic


def test_mail_settings_are_checked_and_never_hold_a_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception, match="carries a password"):
        load_settings(None, mailbox="imaps://noivu:secret@mail.x.vn/INBOX")
    with pytest.raises(Exception, match="is not a imaps or imap URL"):
        load_settings(None, mailbox="https://mail.x.vn")
    (tmp_path / "cchc.toml").write_text('replies = "yes"\n')
    with pytest.raises(SettingsError, match="replies: 'yes'; use one of off, dry-run, on"):
        load_settings(None)
    (tmp_path / "cchc.toml").write_text('mailbox = "imaps://noivu@mail.x.vn"\n'
                                        'mailbox_since = 2024-09-01\nremind_days = 0\n')
    found = load_settings(None)
    assert (found.mailbox, found.mailbox_since, found.remind_days) == (
        "imaps://noivu@mail.x.vn", dt.date(2024, 9, 1), 0)


def test_a_password_file_others_can_read_is_refused(tmp_path, monkeypatch):
    from cchc.mail.servers import ServerSettingError, password

    monkeypatch.delenv("CCHC_MAILBOX_PASSWORD", raising=False)
    secret = tmp_path / "mat-khau"
    secret.write_text("bi-mat\n")
    secret.chmod(0o644)
    with pytest.raises(ServerSettingError, match=f"chmod 600 {secret}"):
        password("CCHC_MAILBOX_PASSWORD", secret)
    secret.chmod(0o600)
    assert password("CCHC_MAILBOX_PASSWORD", secret) == "bi-mat"
    monkeypatch.setenv("CCHC_MAILBOX_PASSWORD", "tu-bien")
    assert password("CCHC_MAILBOX_PASSWORD", secret) == "tu-bien"


def cchc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc.cli", *args], capture_output=True,
                          text=True)


def test_commune_email_add_import_list_and_their_refusals(tmp_path):
    db = str(tmp_path / "cchc.duckdb")
    added = cchc("commune", "email", "add", "15928", "Xa.HoangDuc@Gmail.com", "--map", "legacy",
                 "--db", db)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Đã đăng ký Xa.HoangDuc@Gmail.com cho xã 15928."
    wrong = cchc("commune", "email", "add", "99999", "a@b.vn", "--map", "legacy", "--db", db)
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == ("cchc: cchc commune email add: không có xã mã '99999' trên "
                                    "bản đồ legacy (mã GSO, xem reference/admin_units.csv)")
    sheet = tmp_path / "dia-chi.csv"
    sheet.write_text("code,address,map\n15976,hoangluu@hoanghoa.gov.vn,legacy\n"
                     "15928,xa.hoangduc@gmail.com,legacy\n15691,khong-phai-dia-chi,legacy\n",
                     encoding="utf-8")
    refused = cchc("commune", "email", "import", str(sheet), "--db", db)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"cchc: {sheet}, dòng 4: 'khong-phai-dia-chi' không phải "
                                      "địa chỉ thư điện tử")
    sheet.write_text(sheet.read_text().replace("khong-phai-dia-chi", "minhson@hoanghoa.gov.vn"))
    imported = cchc("commune", "email", "import", str(sheet), "--db", db)
    assert imported.stdout.strip() == "Đã đăng ký 2 địa chỉ mới (1 đã có từ trước)."
    listed = cchc("commune", "email", "list", "--db", db).stdout
    assert "Xã Hoằng Lưu" in listed and "xa.hoangduc@gmail.com" in listed and "(3 rows)" in listed
