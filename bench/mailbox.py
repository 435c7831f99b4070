"""Time a pull of a 500-message office mailbox (issue 18: target ≤ 60 s, extraction excluded).

    python -m bench.mailbox [--n 500] [--out bench/mailbox.json]

A real Dovecot on loopback (tests/mail_servers.py) is filled with ``--n`` messages, each with
one of the committed fixture reports attached as a commune sends it (PDF, XLSX, DOCX, a ZIP of
two every tenth message), appended over IMAP; then ``flows.mailbox.pull`` takes them all over
TLS into an inbox and a fresh warehouse: fetched, parsed, written, recorded and flagged. The
night's reading of the files is not part of it (make bench-night measures that).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

from cchc.flows.mailbox import pull
from cchc.settings import Settings
from tests.mail_servers import PASSWORD, Dovecot

TARGET_SECONDS = 60.0
REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
SUBTYPES = {".pdf": "pdf", ".xlsx": "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".docx": "vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".zip": "zip"}


def messages(n: int) -> list[bytes]:
    files = sorted(p for p in REPORTS.iterdir() if p.suffix in (".pdf", ".xlsx", ".docx"))
    found = []
    for i in range(n):
        message = EmailMessage()
        message["From"] = f"xa{i % 36}@hoanghoa.gov.vn"
        message["To"], message["Subject"] = "noivu@hoanghoa.gov.vn", f"Báo cáo CCHC số {i}"
        message["Message-ID"] = f"<bench-{i}@hoanghoa.gov.vn>"
        message.set_content("Kính gửi Phòng Nội vụ, xã gửi báo cáo CCHC.")
        if i % 10 == 9:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in (files[i % len(files)], files[(i + 1) % len(files)]):
                    archive.write(path, path.name)
            name, data = f"bao-cao-{i}.zip", buffer.getvalue()
        else:
            path = files[i % len(files)]
            name, data = f"{path.stem}-{i}{path.suffix}", path.read_bytes()
        message.add_attachment(data, maintype="application",
                               subtype=SUBTYPES[Path(name).suffix], filename=name)
        found.append(message.as_bytes())
    return found


def run(n: int) -> dict:
    server = Dovecot().start()
    try:
        client = server.client()
        for raw in messages(n):
            client.append("INBOX", raw)
        client.logout()
        work = Path(tempfile.mkdtemp(prefix="cchc-bench-mailbox-"))
        settings = Settings(inbox=work / "inbox", db=work / "cchc.duckdb",
                            mailbox=server.url(), mailbox_ca=server.ca)
        os.environ["CCHC_MAILBOX_PASSWORD"] = PASSWORD
        from cchc.warehouse.schema import connect

        connect(settings.db).close()  # a warehouse that exists, as on any night but the first
        started = time.perf_counter()
        result = pull(settings)
        seconds = time.perf_counter() - started
        assert result.error is None and result.n_messages == n, result
        again = time.perf_counter()
        assert pull(settings).n_messages == 0
        return {"messages": n, "files": result.n_files, "pull_seconds": round(seconds, 2),
                "second_pull_seconds": round(time.perf_counter() - again, 2),
                "target_seconds": TARGET_SECONDS, "within_target": seconds <= TARGET_SECONDS,
                "bytes": sum(p.stat().st_size for p in settings.inbox.rglob("*") if p.is_file()),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                           f"{platform.python_version()}"}
    finally:
        server.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--out", type=Path, default=Path("bench/mailbox.json"))
    args = parser.parse_args()
    result = run(args.n)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
