"""Screenshots of each desk page at 1366×768 for the README (docs/desk/).

Usage: python -m scripts.desk_screenshots DB OUT_DIR — over a warehouse with the accounts
can_bo (officer) and quan_tri (admin) whose password is tests.desk_server.PASSWORD. When DB
does not exist it is built as the desk tests build theirs (tests/desk_inbox.py, the real
ingest), so ``python -m scripts.desk_screenshots /tmp/desk/cchc.duckdb docs/desk`` is enough.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.desk_inbox import REJECTED_FILE
from tests.desk_server import chromium, log_in, serve


def main(db: Path, out: Path) -> None:
    if not db.exists():
        build(db)
    out.mkdir(parents=True, exist_ok=True)
    with serve(db) as (base, app), chromium() as browser:
        with app.state.store.read() as con:
            report_id, admin_map, commune = con.execute(
                "SELECT report_id, admin_map, commune_code FROM reports WHERE file_name = ?",
                [REJECTED_FILE]).fetchone()
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base}/login")
        page.screenshot(path=out / "dang-nhap.png")
        page.close()
        page = log_in(browser, base, "quan_tri")
        page.screenshot(path=out / "theo-ky.png")
        page.goto(f"{base}/report/{report_id}")
        page.screenshot(path=out / "bao-cao.png")
        page.locator("#page-image").scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('#page-image').naturalWidth > 0")
        page.locator("#page-image").evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=out / "bao-cao-trang-pdf.png")
        for name, path in (("xa", f"/commune/{admin_map}/{commune}"), ("nhat-ky-nap", "/runs"),
                           ("nhat-ky-thao-tac", "/audit"), ("tai-khoan", "/users")):
            page.goto(base + path)
            page.screenshot(path=out / f"{name}.png")


def build(db: Path) -> None:
    """The desk tests' warehouse: Hoằng Hóa's 9-month reports through the real ingest, the
    hostile report, and the tests' accounts."""
    from cchc.flows.ingest import run_ingest
    from cchc.settings import Settings
    from cchc.web.accounts import create_user
    from tests.desk_inbox import build_desk_inbox, load_hostile
    from tests.desk_server import PASSWORD

    work = db.parent
    settings = Settings(inbox=work / "inbox", db=db, archive=work / "archive",
                        docs=work / "docs")
    build_desk_inbox(settings.inbox)
    run_ingest(settings)
    load_hostile(db, work / "hostile")
    for name, role in (("can_bo", "officer"), ("xem", "viewer"), ("quan_tri", "admin")):
        create_user(db, name, role, PASSWORD)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
