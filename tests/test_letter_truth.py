"""The return letter speaks only of what the commune's file says (issue 23): after an officer
corrected a figure at the desk, the letter still lists the file's own issue and the figure as
the file wrote it, never the officer's value. A real warehouse loaded by the night's own read,
validate and load functions, the officer's actions through the desk's code, the letter
downloaded from a real `cchc web`."""

from __future__ import annotations

import io
from datetime import date, timedelta

from docx import Document

from cchc.web import actions
from cchc.web.accounts import create_user
from cchc.web.store import Store
from tests.desk_inbox import BAD_CODE, BAD_VALUE, load_rejected
from tests.desk_server import PASSWORD, csrf_of, http_login, serve

OFFICERS_VALUE = 28


def test_the_letter_shows_the_files_figure_not_the_officers_correction(tmp_path):
    db = tmp_path / "cchc.duckdb"
    report_id = load_rejected(db, tmp_path / "archive")
    create_user(db, "can_bo", "officer", PASSWORD)
    store = Store(db)
    for request in (actions.new_request("correct", report_id, "can_bo", "xã báo qua điện thoại",
                                        code=BAD_CODE, value=OFFICERS_VALUE),
                    actions.new_request("return", report_id, "can_bo", "cần xã xác nhận")):
        assert actions.submit(store, request)
    with store.read() as con:
        in_force = con.execute("SELECT value FROM core.observations WHERE report_id = ? AND "
                               "code = ?", [report_id, BAD_CODE]).fetchone()[0]
    assert in_force == OFFICERS_VALUE  # the desk holds the officer's value now

    with serve(db) as (base, _):
        http = http_login(base, "can_bo")
        page = http.get(f"/report/{report_id}").text
        assert 'action="/report/' + report_id + '/letter"' in page
        token = csrf_of(page)
        answer = http.post(f"/report/{report_id}/letter", data={
            "csrftoken": token, "number": "7/PNV", "signer_name": "Lê Văn Nam",
            "signer_title": "TRƯỞNG PHÒNG",
            "deadline": (date.today() + timedelta(days=5)).isoformat()})
    assert answer.status_code == 200, answer.text[:300]
    letter = Document(io.BytesIO(answer.content))
    body = "\n".join(p.text for p in letter.paragraphs)
    figures = {row.cells[0].text: row.cells[2].text for row in letter.tables[1].rows[1:]}
    assert figures[BAD_CODE] == str(BAD_VALUE)
    assert f"= {BAD_VALUE}" in body and f"= {OFFICERS_VALUE}" not in body
    assert str(OFFICERS_VALUE) not in figures.values()
