"""What an officer does to a report: correct a figure, accept despite errors, return it, undo.

Each action is first written to the spool (a JSON file beside the warehouse), then applied in
one transaction that records it in core.actions with who, when, what was there before and why.
When the nightly load holds the warehouse, the action stays in the spool and ``apply_pending``
(called by the app's background applier) applies it once the file is free: an action submitted
during a run is never lost. A correction re-extracts the archived file, puts every figure in
force into it and re-validates it as the night would (same checks, same history), so the
report's status and issues follow the corrected figures; the roll-ups are refreshed.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cchc.warehouse import desk
from cchc.warehouse.desk import ActionKind, DeskError
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import pages
from cchc.web.store import Store

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Request:
    """An action as the officer submitted it (what the spool keeps)."""

    kind: ActionKind
    report_id: str
    user_name: str
    reason: str
    code: str | None = None
    value: float | None = None
    undoes: str | None = None
    at: str = ""
    action_id: str = ""


def new_request(kind: ActionKind, report_id: str, user_name: str, reason: str,
                code: str | None = None, value: float | None = None,
                undoes: str | None = None) -> Request:
    """A request stamped with its id and the time it was submitted; refuses a blank reason."""
    if kind not in ("correct", "accept", "return", "undo"):
        raise DeskError(f"không có thao tác {kind!r}")
    if (kind == "correct" and not code) or (kind == "undo" and not undoes):
        raise DeskError("thiếu chỉ tiêu cần sửa hoặc thao tác cần hoàn tác")
    if not reason.strip():
        raise DeskError("cần ghi lý do cho thao tác này")
    return Request(kind, report_id, user_name, reason.strip(), code, value, undoes,
                   datetime.now().isoformat(timespec="microseconds"),
                   f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}")


def submit(store: Store, request: Request, wait: float = 2.0) -> bool:
    """Spool the action, then try to apply what is pending; True when this one is applied,
    False when it waits for the nightly load to release the warehouse; DeskError when the
    desk refused it (the reason is kept in the spool's ``refused/``)."""
    store.spool.mkdir(parents=True, exist_ok=True)
    path = store.spool / f"{request.action_id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(request), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    apply_pending(store, wait)
    refused = store.spool / "refused" / f"{request.action_id}.txt"
    if refused.exists():
        raise DeskError(refused.read_text(encoding="utf-8"))
    return not path.exists()


def pending(store: Store, report_id: str | None = None) -> list[Request]:
    """Actions submitted and not yet applied, oldest first."""
    if not store.spool.exists():
        return []
    found = [Request(**json.loads(p.read_text(encoding="utf-8")))
             for p in sorted(store.spool.glob("*.json"))]
    return [r for r in found if report_id is None or r.report_id == report_id]


def apply_pending(store: Store, wait: float = 0.0) -> int:
    """Apply spooled actions in the order submitted; stop at the first that finds the
    warehouse busy. An action the desk refuses (e.g. undoing twice) is set aside in
    ``refused/`` with its reason, so one bad action does not block the others."""
    applied = 0
    with store.applying:
        for request in pending(store):
            applied += _apply_spooled(store, request, wait)
            if not (store.spool / f"{request.action_id}.json").exists():
                continue
            break
    return applied


def _apply_spooled(store: Store, request: Request, wait: float) -> int:
    """1 when applied, 0 when set aside (refused) or left for later (busy)."""
    path = store.spool / f"{request.action_id}.json"
    try:
        apply(store, request, wait)
    except WarehouseBusy:
        return 0
    except DeskError as exc:
        refused = store.spool / "refused"
        refused.mkdir(exist_ok=True)
        (refused / f"{request.action_id}.txt").write_text(str(exc), encoding="utf-8")
        os.replace(path, refused / path.name)
        return 0
    path.unlink()
    return 1


def apply(store: Store, request: Request, wait: float = 0.0) -> None:
    """One action: read what it needs, re-validate when figures change, write it whole.

    The warehouse is held only to read and to write: the re-validation (re-extracting the
    file, the Great Expectations run) takes seconds and runs with no connection open, since
    any open connection, read-only included, keeps the nightly load from writing. The write
    checks the report again, in case a revision replaced it meanwhile."""
    with store.read(wait) as con:
        report = desk.report(con, request.report_id)
        _check(request, report)
        _check_review(request, report, desk.reviews(con, [request.report_id]))
        undone = desk.action(con, request.undoes) if request.kind == "undo" else None
        if undone is not None and (undone["undone_by"] or undone["kind"] == "undo"):
            raise DeskError(f"thao tác {request.undoes} đã được hoàn tác hoặc không thể hoàn tác")
        if undone is not None and undone["undo_first"]:
            raise DeskError(pages.undo_first(desk.action(con, undone["undo_first"])))
        code, value = _figure_change(con, request, undone)
        facts = _revalidation_facts(con, report) if code else None
    verdict = _revalidate(report, facts, code, value, store.rules) if code else None
    with store.write(wait) as con:
        _check(request, desk.report(con, request.report_id))
        _write(con, request, report, undone, code, value, verdict)


def _check(request: Request, report: dict) -> None:
    """Refuse what the warehouse must never hold: work on a report a revision replaced, or an
    accepted report that belongs to no commune or period."""
    if report["status"] == "superseded":
        raise DeskError("báo cáo này đã được thay thế bởi bản xã gửi sau: hãy thao tác trên "
                        "bản mới")
    if request.kind == "accept" and not (report["commune_code"] and report["period"]):
        raise DeskError("báo cáo chưa xác định được xã hoặc kỳ báo cáo nên không thể chấp "
                        "nhận: hãy trả lại xã")


def _check_review(request: Request, report: dict, reviews: dict) -> None:
    """Refuse a decision that changes nothing: returning a report already returned, accepting
    one already accepted. An accepted report may be returned, as a rejected one."""
    review = reviews.get(request.report_id)
    if request.kind == "return" and review is not None and review["kind"] == "return":
        raise DeskError("báo cáo này đã được trả lại xã")
    if request.kind == "accept" and report["status"] == "accepted":
        raise DeskError("báo cáo này đã được chấp nhận")


def _figure_change(con, request: Request, undone: dict | None) -> tuple[str | None, float | None]:
    if request.kind == "correct":
        in_force = desk.figure(con, request.report_id, request.code)["value"]
        if in_force == request.value:  # blank for blank too: a correction that changes nothing
            shown = "trống" if in_force is None else _text(in_force).replace(".", ",")
            raise DeskError(f"chỉ tiêu {request.code} đã là {shown}: không có gì thay đổi, "
                            "không ghi thao tác nào")
        return request.code, request.value
    if undone is not None and undone["kind"] == "correct":
        before = undone["before"]
        return undone["code"], None if before in (None, "") else float(before)
    return None, None


def _write(con, request: Request, report: dict, undone: dict | None, code: str | None,
           value: float | None, verdict) -> None:
    at = datetime.fromisoformat(request.at)
    kind, before, after, status = request.kind, None, None, None
    if code is not None:
        before = _text(desk.figure(con, request.report_id, code)["value"])
        after = _text(value)
        desk.set_figure(con, request.action_id, at, request.user_name, request.report_id, code,
                        value)
        desk.replace_issues(con, request.report_id, report["submission_id"],
                            [i.to_json() for i in verdict.issues], request.action_id)
        accepted = verdict.status == "accepted" or _officer_accepted(con, request.report_id)
        status = "accepted" if accepted else "rejected"
    elif kind == "accept":
        before, after, status = report["status"], "accepted", "accepted"
    elif kind == "return":
        before, after, status = report["status"], "returned", "rejected"
    else:  # undo of accept or return: the status before it
        before, after, status = undone["after"], undone["before"], undone["before"]
    desk.record_action(con, request.action_id, at, request.user_name, kind, request.report_id,
                       request.reason, code, before, after, request.undoes)
    if status is not None and status != "superseded":
        desk.set_status(con, request.report_id, status)
    desk.refresh_rollups_of(con, request.report_id)


def _officer_accepted(con, report_id: str) -> bool:
    review = desk.reviews(con, [report_id]).get(report_id)
    return review is not None and review["kind"] == "accept"


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _revalidation_facts(con, report: dict) -> tuple[dict, pd.DataFrame]:
    """What re-validating a report needs from the warehouse: its figures in force, and its
    commune's history in the other periods (as the night's history check sees it)."""
    from cchc.warehouse.history import history_frame

    in_force = {f["code"]: f["value"] for f in desk.figures(con, report["report_id"])}
    commune = (report["admin_map"], report["commune_code"])
    history = history_frame(con, [commune] if all(commune) else [])
    return in_force, history[history["period"] != report["period"]]


def _revalidate(report: dict, facts: tuple[dict, pd.DataFrame], code: str,
                value: float | None, rules: Path | None = None):
    """The night's checks on the archived file with every figure in force (and the change),
    with the office's own rules file when it has one (the setting ``rules``), as the night."""
    from cchc.flows.reading import read_report, template_for
    from cchc.transforms.validate import validate_reports

    archive = report["archive_path"]
    if not archive or not Path(archive).exists():
        raise DeskError(f"không tìm thấy tệp lưu trữ của báo cáo ({archive}): không thể kiểm "
                        "tra lại báo cáo sau khi sửa")
    # The province the report was filed under settles its name again, as the night's setting did.
    template = template_for(rules)
    extracted, claims = read_report(Path(archive), template, report["province_code"])
    in_force, history = facts
    in_force = {**in_force, code: value}
    read = {o.code: o.value for o in extracted.observations}
    changed = {c for c, v in in_force.items() if v != read.get(c)}
    observations = tuple(replace(o, value=in_force.get(o.code, o.value))
                         for o in extracted.observations)
    # The extraction's own complaints about a figure the officer has since set do not stand.
    kept = tuple(i for i in extracted.issues if not (i.codes and set(i.codes) <= changed))
    corrected = replace(extracted, observations=observations, issues=kept)
    return validate_reports([(corrected, claims)], template, history)[report["report_id"]]
