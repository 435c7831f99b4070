"""Only the latest action on what it changed can be undone (issue 23): undoing an earlier one
while a later one is in force would put back a state that no longer holds (the 204 the file
said over the officer's second correction to 215; the status before a return over the accept
that followed it). It is refused with one line naming the later action to undo first, and the
report page shows its button disabled with that reason.

A real warehouse file holding the seed report (its file archived beside it, so a correction
re-validates it as the desk does), the desk served for real and driven over HTTP as an officer
submits its forms. Expected figures are the seed file's own and the numbers the test types.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime

from cchc.warehouse import desk
from cchc.warehouse.load import Submission, load_report
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from cchc.web.accounts import create_user
from cchc.web.store import Store
from tests.desk_server import PASSWORD, csrf_of, http_login, serve
from tests.test_warehouse import SEED, seed

CODE = "3.1.3"
READ = 204  # what the seed file says for 3.1.3 (tests/fixtures/seed)
REFUSED = "Chưa thể hoàn tác thao tác này: hãy hoàn tác trước thao tác sau nó"


def loaded(tmp_path, status: str) -> tuple:
    """A warehouse with the seed report, archived for real, accepted or rejected by the night."""
    db = tmp_path / "cchc.duckdb"
    archive = tmp_path / "archive" / SEED.name
    archive.parent.mkdir()
    shutil.copy(SEED, archive)
    report = seed()
    con = connect(db)
    try:
        start_run(con, "inbox", run_id="run-1")
        report_id = load_report(con, "run-1", Submission(
            SEED.name, f"inbox/{SEED.name}", report.source.sha256, SEED.stat().st_size,
            SEED.stat().st_mtime, datetime(2024, 9, 18, 9), str(archive), "txt"),
            report, (), status).report_id
        finish_run(con, "run-1", n_seen=1)
    finally:
        con.close()
    create_user(db, "can_bo", "officer", PASSWORD)
    return db, report_id


def act(http, report_id: str, kind: str, **form: str) -> str:
    """Submit one of the report page's forms; the page the officer lands on after it."""
    page = http.get(f"/report/{report_id}").text
    return http.post(f"/report/{report_id}/{kind}", follow_redirects=True,
                     data={"csrftoken": csrf_of(page), **form}).text


def logged(db, report_id: str) -> list[dict]:
    """The report's actions, oldest first."""
    with Store(db).read() as con:
        return desk.actions(con, report_id)[::-1]


def in_force(db, report_id: str) -> float | None:
    with Store(db).read() as con:
        return desk.figure(con, report_id, CODE)["value"]


def status(db, report_id: str) -> str:
    with Store(db).read() as con:
        return desk.report(con, report_id)["status"]


def undo_forms(page: str) -> list[str]:
    """The action ids the page offers to undo."""
    return re.findall(r'name="undoes" value="([^"]+)"', page)


def test_an_earlier_correction_of_a_cell_waits_for_the_later_one(tmp_path):
    db, report_id = loaded(tmp_path, "accepted")
    assert in_force(db, report_id) == READ
    with serve(db) as (base, _):
        http = http_login(base, "can_bo")
        act(http, report_id, "correct", code=CODE, value="210", reason="xã báo lại")
        act(http, report_id, "correct", code=CODE, value="215", reason="xã báo lại lần hai")
        first, second = logged(db, report_id)
        assert (first["before"], first["after"], second["before"], second["after"]) == \
            ("204", "210", "210", "215")

        page = http.get(f"/report/{report_id}").text
        assert undo_forms(page) == [second["action_id"]]  # only the latest is offered
        assert 'class="undo-later" disabled' in page
        assert f"{REFUSED}, «Sửa số liệu» chỉ tiêu {CODE} của can_bo" in page

        refused = act(http, report_id, "undo", undoes=first["action_id"], reason="nhầm")
        assert f"{REFUSED}, «Sửa số liệu» chỉ tiêu {CODE} của can_bo" in refused
        assert in_force(db, report_id) == 215  # not the 204 before the first, over the 215
        assert len(logged(db, report_id)) == 2  # nothing was recorded

        act(http, report_id, "undo", undoes=second["action_id"], reason="nhầm lần hai")
        assert in_force(db, report_id) == 210
        page = http.get(f"/report/{report_id}").text
        assert undo_forms(page) == [first["action_id"]]  # now the first is the latest
        act(http, report_id, "undo", undoes=first["action_id"], reason="nhầm lần một")
    assert in_force(db, report_id) == READ


def test_a_correction_of_another_cell_does_not_hold_an_undo_back(tmp_path):
    db, report_id = loaded(tmp_path, "accepted")
    with serve(db) as (base, _):
        http = http_login(base, "can_bo")
        act(http, report_id, "correct", code=CODE, value="210", reason="xã báo lại")
        act(http, report_id, "correct", code="3.2.1", value="110", reason="xã báo lại")
        first, _ = logged(db, report_id)
        page = http.get(f"/report/{report_id}").text
        assert first["action_id"] in undo_forms(page)
        act(http, report_id, "undo", undoes=first["action_id"], reason="nhầm")
    assert in_force(db, report_id) == READ
    with Store(db).read() as con:
        assert desk.figure(con, report_id, "3.2.1")["value"] == 110


def test_a_return_followed_by_an_accept_is_not_undone_under_it(tmp_path):
    """Rejected by the night, returned, then accepted despite its errors: undoing the return
    first would put back its "before" (rejected) under the accept in force."""
    db, report_id = loaded(tmp_path, "rejected")
    with serve(db) as (base, _):
        http = http_login(base, "can_bo")
        act(http, report_id, "return", reason="sai số liệu")
        act(http, report_id, "accept", reason="xã xác nhận qua điện thoại")
        returned, accepted = logged(db, report_id)
        assert status(db, report_id) == "accepted"
        page = http.get(f"/report/{report_id}").text
        assert undo_forms(page) == [accepted["action_id"]]
        refused = act(http, report_id, "undo", undoes=returned["action_id"], reason="nhầm")
        assert f"{REFUSED}, «Chấp nhận dù có lỗi» của can_bo" in refused
        assert status(db, report_id) == "accepted"
        assert len(logged(db, report_id)) == 2

        act(http, report_id, "undo", undoes=accepted["action_id"], reason="nhầm")
        assert status(db, report_id) == "rejected"
        act(http, report_id, "undo", undoes=returned["action_id"], reason="nhầm")
    assert status(db, report_id) == "rejected"
    with Store(db).read() as con:
        assert desk.reviews(con, [report_id]) == {}
