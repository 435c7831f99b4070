"""A correction at the desk is checked with the office's own rules file, as the night is, not
with the shipped one (issue 21): `cchc web` is handed the same settings as `cchc ingest`.

The office's copy of reference/rules.yaml leaves out the rule the report breaks (1.1.2 > 1.1.1);
after any correction, the desk re-validates: with the office's rules the report is accepted, as
the night with those rules would have done, with the shipped rules it would stay rejected."""

from __future__ import annotations

import yaml

from cchc.settings import Settings
from cchc.web.accounts import create_user
from tests.desk_inbox import load_rejected
from tests.desk_server import PASSWORD, csrf_of, http_login, serve
from tests.shipped import TEMPLATE

SHIPPED = TEMPLATE.rules_path


def _office_rules(path):
    document = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    document["rules"] = [r for r in document["rules"] if r["name"] != "completed_le_planned"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _status_after_a_correction(tmp_path, rules) -> str:
    db = tmp_path / "cchc.duckdb"
    report_id = load_rejected(db, tmp_path / "archive")
    create_user(db, "can_bo", "officer", PASSWORD)
    with serve(db, settings=Settings(db=db, rules=rules)) as (base, app):
        http = http_login(base, "can_bo")
        token = csrf_of(http.get(f"/report/{report_id}").text)
        answer = http.post(f"/report/{report_id}/correct", data={
            "csrftoken": token, "code": "1.1.3", "value": "7", "reason": "xã báo lại"})
        assert answer.status_code == 303
        with app.state.store.read() as con:
            return con.execute("SELECT status FROM core.reports WHERE report_id = ?",
                               [report_id]).fetchone()[0]


def test_a_correction_is_checked_with_the_offices_rules(tmp_path):
    rules = _office_rules(tmp_path / "rules.yaml")
    assert _status_after_a_correction(tmp_path / "office", rules) == "accepted"


def test_without_a_rules_setting_the_shipped_rules_still_reject_it(tmp_path):
    assert _status_after_a_correction(tmp_path / "shipped", None) == "rejected"
