"""What each page shows, as plain data: the template renders it, ``?format=json`` returns it.

One function per page, over a read-only connection, so that a test can assert on the data and
a browser test on what a person sees, and both see the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import duckdb

from cchc.flows.reading import sender
from cchc.labels import ACTION_KIND, FILE_STATUS, RUN_STATE, said
from cchc.shown import moment
from cchc.summary.build import parse_period_key, resolve_area
from cchc.summary.gather import UNATTRIBUTED_DAYS, rollup_contradictions
from cchc.summary.timeliness import deadline_for, judge, parse_deadlines
from cchc.template.appendix import Template
from cchc.template.raw import Place
from cchc.transforms import admin_units, unit_names
from cchc.transforms.areas import Area
from cchc.warehouse import desk
from cchc.warehouse import summary_queries as queries
from cchc.web.letter import default_title

LETTER_DAYS = 7  # the return letter's deadline offered: a week from today
STATES = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "rejected": "Bị từ chối",
    "returned": "Đã trả lại xã",
    "unreadable": "Gửi tệp không đọc được",
    "missing": "Chưa gửi",
}
SENT = ("on_time", "late", "rejected", "returned", "unreadable")  # every state but "missing"
REPORT_STATUS = {
    "accepted": "Đã chấp nhận",
    "rejected": "Bị từ chối",
    "superseded": "Đã được thay thế",
    "returned": "Đã trả lại xã",
}


def period_page(con: duckdb.DuckDBPyConnection, period: str, district: str | None = None,
                province: str | None = None, status: str = "", commune: str = "",
                deadlines: Mapping[str, object] | None = None, *,
                appendix: Template) -> dict[str, Any]:
    """A district's or province's period at a glance: each commune's state with the report
    that speaks for it, the counts by state, filtered by state and by commune name or code.
    States and timeliness follow the summary's rules (warehouse.summary_queries,
    summary.timeliness). ``contradictions``: where the area's totals break the arithmetic of
    ``appendix`` (the loaded template: a part above its whole), said as the summary says it,
    with the communes to ask.

    A file that could not be read, received as near the deadline as the summary looks
    (summary.gather.UNATTRIBUTED_DAYS), is shown with the commune its letterhead or name
    says sent it (a commune that sent nothing else reads "Gửi tệp không đọc được", not "Chưa
    gửi"), else in ``unattributed``: files no one can yet say are whose."""
    key = parse_period_key(period)
    area = resolve_area(district, province, key)
    deadline = deadline_for(key, parse_deadlines(deadlines))
    speaking = queries.completeness(con, area, key.key)
    receipts = queries.receipts(con, area, key.key)
    report_ids = [r["report_id"] for r in speaking.values() if r["report_id"]]
    reviews, later = desk.reviews(con, report_ids), desk.later_rejected(con, report_ids)
    districts = {d.code: d.name for d in area.districts}
    unread, unattributed = _unreadable(con, area, deadline)
    rows = []
    for unit in area.communes:
        found = speaking.get(unit.code) or {}
        judged = judge(receipts.get(unit.code, []), deadline)
        review = reviews.get(found.get("report_id") or "")
        state = ("returned" if review and review["kind"] == "return" else
                 "rejected" if found.get("status") == "rejected" else
                 ("unreadable" if unit.code in unread else "missing")
                 if found.get("status", "missing") == "missing" else judged.timeliness)
        rows.append({"commune_code": unit.code, "commune_name": unit.name,
                     "district_name": districts.get(unit.district_code or "", ""),
                     "state": state, "state_label": STATES[state],
                     "days_late": judged.days_late if state == "late" else None,
                     "first_received_at": judged.first_received_at,
                     "resubmitted_at": judged.resubmitted_at, "letter_due": judged.letter_due,
                     "report_id": found.get("report_id"), "file_name": found.get("file_name"),
                     "later_rejected": later.get(found.get("report_id") or ""),
                     "received_at": found.get("received_at"),
                     "n_errors": found.get("n_errors", 0),
                     "n_warnings": found.get("n_warnings", 0),
                     "unreadable": unread.get(unit.code, [])})
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in STATES}
    # "đã gửi" is what communes sent, whatever the desk made of it: a rejected or returned
    # report was sent all the same. How many the roll-up counts is said apart ("counted").
    counts["submitted"] = sum(n for state, n in counts.items() if state in SENT)
    counts["counted"] = counts["on_time"] + counts["late"]
    wanted = commune.strip()
    shown = [r for r in rows
             if (not status or r["state"] == status
                 or (status == "submitted" and r["state"] in SENT))
             and (wanted == r["commune_code"] or unit_names.contains(r["commune_name"], wanted))]
    return {"area": {"level": area.level, "code": area.code, "name": area.name,
                     "admin_map": area.admin_map},
            "period": {"key": key.key, "label": key.label},
            "deadline": deadline, "counts": counts, "n_expected": len(rows),
            "filters": {"status": status, "commune": commune}, "states": STATES,
            "communes": shown, "unattributed": unattributed,
            "contradictions": [c.message for c in
                               rollup_contradictions(con, area, key.key, appendix)],
            "choices": desk.periods_with_reports(con)}


def _unreadable(con: duckdb.DuckDBPyConnection, area: Area, deadline: date
                ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """The unreadable files near the deadline: commune code → its files, and those of no
    commune the letterhead or name names. A file naming a commune of another area is not
    listed (it is that area's); one naming none is listed in every area, as in the summary."""
    window = (deadline - timedelta(days=UNATTRIBUTED_DAYS),
              deadline + timedelta(days=UNATTRIBUTED_DAYS))
    province = area.code if area.level == "province" else next(
        (u.province_code for u in area.communes), None)
    ours = {(u.admin_map, u.code) for u in area.communes}
    by_commune: dict[str, list[dict[str, Any]]] = {}
    unattributed = []
    for found in desk.unreadable_files(con, *window):
        named = sender(found["archive_path"], found["file_name"], area.communes, province)
        listed = {k: found[k] for k in ("file_name", "received_at", "reason")}
        if named is None:
            unattributed.append(listed)
        elif named in ours:
            by_commune.setdefault(named[1], []).append(listed)
    return by_commune, unattributed


def report_page(con: duckdb.DuckDBPyConnection, report_id: str,
                pending: list[dict] | None = None, code: str | None = None) -> dict[str, Any]:
    """A report: metadata, status, the officer's decision, every issue, every figure with
    where it was read, the actions taken, and corrections of earlier reports not carried over.

    For a PDF, ``shown`` is the figure whose page is displayed, its cell outlined when its box
    is known: the one asked for, else the first figure an error names, else the first read."""
    report = desk.report(con, report_id)
    review = desk.reviews(con, [report_id]).get(report_id)
    shown = "returned" if review and review["kind"] == "return" else report["status"]
    figures = desk.figures(con, report_id)
    for f in figures:
        f["place"] = _place(f)
        f["corrected"] = f["corrected_by"] is not None
    found_issues = desk.issues(con, report_id)
    return {"report": report, "status": shown, "status_label": REPORT_STATUS[shown],
            "shown": _shown(report, figures, found_issues, code),
            "review": review, "issues": found_issues, "figures": figures,
            "letter": letter_form(report, desk.latest_letter(con, report_id))
            if shown == "returned" else None,
            "actions": _report_actions(con, report_id),
            "not_carried_over": desk.corrections_elsewhere(con, report_id)
            if report["status"] != "superseded" else [],
            "pending": [{**p, "kind_label": said(ACTION_KIND, p["kind"])}
                        for p in pending or []]}


def letter_form(report: dict[str, Any], made: dict[str, Any] | None,
                today: date | None = None) -> dict[str, Any]:
    """What the return letter's form offers: the last letter's details (and that one exists),
    else a deadline a week away and the usual signer's title."""
    today = today or date.today()
    if made:
        return {"made": True, "number": made["number"], "deadline": made["deadline"].isoformat(),
                "signer_name": made["signer_name"], "signer_title": made["signer_title"]}
    return {"made": False, "number": "", "signer_name": "",
            "deadline": (today + timedelta(days=LETTER_DAYS)).isoformat(),
            "signer_title": default_title(report)}


def _shown(report: dict[str, Any], figures: list[dict[str, Any]], issues: list[dict[str, Any]],
           code: str | None) -> dict[str, Any] | None:
    """The figure whose page is shown, and whether its cell is outlined there (``boxed``):
    the page says so only when extraction recorded the box the image draws."""
    if report["format"] != "pdf":
        return None
    on_page = {f["code"]: f for f in figures if f["page"] is not None}
    named = [c for i in issues if i["severity"] == "error" for c in i["codes"]]
    for candidate in (code, *named, *on_page):
        if candidate in on_page:
            found = on_page[candidate]
            return {"code": candidate, "page": found["page"], "boxed": found["bbox"] is not None}
    return None


def _place(figure: dict[str, Any]) -> str:
    """Where a figure was read, in the words every message of cchc uses (Place.describe)."""
    place = Place(page=figure["page"], sheet=figure["sheet"], cell=figure["cell"],
                  line=figure["line"], table=figure["word_table"], row=figure["word_row"])
    return "không có trong báo cáo" if place == Place() else place.describe()


def _action(row: dict[str, Any]) -> dict[str, Any]:
    """An action with its kind and its change said for the log: a figure's blank is "trống",
    a report's status its name (the log stores the key: "rejected" → "Bị từ chối")."""
    before, after = row["before"] or "", row["after"] or ""
    if row["code"]:
        before, after = before or "trống", after or "trống"
    else:
        before, after = said(REPORT_STATUS, before), said(REPORT_STATUS, after)
    change = f"{row['code'] or ''} {before} → {after}".strip()
    return {**row, "kind_label": ACTION_KIND[row["kind"]], "change": change}


def _report_actions(con: duckdb.DuckDBPyConnection, report_id: str) -> list[dict[str, Any]]:
    """A report's actions for its log, each that cannot be undone yet with why
    (``undo_first_reason``): a later action on what it changed must be undone first."""
    rows = [_action(a) for a in desk.actions(con, report_id)]
    by_id = {a["action_id"]: a for a in rows}
    for row in rows:
        later = by_id.get(row["undo_first"] or "")
        row["undo_first_reason"] = undo_first(later) if later else None
    return rows


def undo_first(later: dict[str, Any]) -> str:
    """The one line that refuses to undo an action while ``later``, taken after it on the same
    figure or on the report's status, is in force: it names the action to undo first."""
    what = f" chỉ tiêu {later['code']}" if later["code"] else ""
    return (f"Chưa thể hoàn tác thao tác này: hãy hoàn tác trước thao tác sau nó, "
            f"«{ACTION_KIND[later['kind']]}»{what} của {later['user_name']}, "
            f"{moment(later['acted_at'])}.")


def commune_page(con: duckdb.DuckDBPyConnection, admin_map: str, code: str) -> dict[str, Any]:
    """A commune's reports across periods, latest first. A commune is its code on its map:
    15865 is Thị trấn Bút Sơn on the legacy map and Xã Hoằng Hóa on the 2025 one."""
    try:
        unit = admin_units.unit(code, "commune", admin_map)
    except (KeyError, ValueError):
        raise desk.DeskError(f"không có xã mã {code!r} trong danh mục đơn vị hành chính "
                             f"(bản đồ {admin_map!r})") from None
    rows = desk.commune_reports(con, admin_map, code)
    reviews = desk.reviews(con, [r["report_id"] for r in rows])
    for r in rows:
        review = reviews.get(r["report_id"])
        r["shown"] = "returned" if review and review["kind"] == "return" else r["status"]
        r["status_label"] = REPORT_STATUS[r["shown"]]
    return {"commune": {"code": unit.code, "name": unit.name, "admin_map": admin_map,
                        "district_code": unit.district_code}, "reports": rows}


def runs_page(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Each night's run with its counts and summary, and where the desk serves its Data Docs
    (a file:// path would not open from a page served over HTTP)."""
    return {"runs": [{**run, "state_label": said(RUN_STATE, run["status"]),
                      "docs_url": f"/runs/{quote(run['run_id'], safe='')}/docs/index.html"
                      if run["docs_path"] else None} for run in desk.runs(con)]}


def run_unreadable_page(con: duckdb.DuckDBPyConnection, run_id: str,
                        province: str | None = None) -> dict[str, Any]:
    """The files one run could not read, each with why and, when its letterhead or its name
    says, the commune that sent it. A name is matched against the communes of ``province``
    (the office's), else of the areas the warehouse holds reports of: against every commune
    of the country, "9 thang" would name Thị trấn Thắng."""
    if province:
        communes = [u for m in admin_units.MAPS for u in admin_units.units("commune", m)
                    if u.province_code == province]
    else:
        areas = {(a["level"], a["code"]) for a in desk.periods_with_reports(con)}
        communes = [u for level, code in sorted(areas) for u in (
            admin_units.communes_of(code) if level == "district"
            else admin_units.communes_in(code, admin_units.NEW))]
    files = []
    for found in desk.run_unreadable(con, run_id):
        named = sender(found["archive_path"], found["file_name"], communes, province)
        files.append({"file_name": found["file_name"], "received_at": found["received_at"],
                      "reason": found["reason"], "admin_map": named[0] if named else None,
                      "commune_code": named[1] if named else None,
                      "commune_name": desk.unit_name(con, *named) if named else None})
    return {"run_id": run_id, "files": files}


def audit_page(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every action taken at the desk, newest first."""
    return {"actions": [_action(a) for a in desk.actions(con)]}


def users_page(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return {"users": desk.users(con), "roles": desk.ROLES}


def mail_page(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the office mailbox brought, newest first, senders the registry does not know
    included (issue 18: they are kept and shown, never dropped)."""
    from cchc.warehouse.mail import messages

    found = messages(con)
    for message in found:
        for item in message["files"]:
            item["status_label"] = said(FILE_STATUS, item["status"])
    return {"messages": found}
