"""The desk's reading pages: the period's glance, a commune's history, the run log, the mail
received, the audit log, the accounts, the summary downloads and a run's Data Docs."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from cchc.flows.reading import template_for
from cchc.warehouse import desk
from cchc.web import pages, upload
from cchc.web.respond import Responder

# Served as the files are, never sniffed into another type (their CSP: web/headers.py).
_DOCS_HEADERS = {"x-content-type-options": "nosniff"}


def routes(r: Responder, deadlines: Mapping[str, object],
           province: str | None = None) -> list[Route]:
    """The reading pages; ``deadlines`` the office's own submission deadlines, ``province``
    its province (whose communes an unreadable file's name is matched against)."""
    # The glance checks the area's totals with the template's arithmetic (the office's rules).
    template = template_for(r.store.rules)

    async def home(request: Request) -> Response:
        if upload.unit_of(request):
            return RedirectResponse("/upload", 303)

        def choices():
            with r.store.read() as con:
                return desk.periods_with_reports(con)

        def first(found) -> Response:
            if not found:
                return RedirectResponse("/runs", 303)
            top = found[0]
            return RedirectResponse(
                f"/period?{urlencode({top['level']: top['code'], 'period': top['period']})}",
                303)
        return await r.answer(request, choices, first)

    async def period(request: Request) -> Response:
        q = dict(request.query_params)
        level, _, rest = q.pop("pick", "").partition("|")
        code, _, period_key = rest.partition("|")
        if level in ("district", "province") and code and period_key:  # the menu's choice
            q.update({"district": "", "province": "", level: code, "period": period_key})
        return await r.page(request, "period.html", pages.period_page, q.get("period", ""),
                            district=q.get("district") or None,
                            province=q.get("province") or None,
                            status=q.get("status", ""), commune=q.get("commune", ""),
                            deadlines=deadlines, appendix=template)

    async def commune(request: Request) -> Response:
        wanted = (request.path_params["admin_map"], request.path_params["code"])
        if upload.unit_of(request) not in (None, wanted):
            return r.refused(request, "Không có trang này.")
        return await r.page(request, "commune.html", pages.commune_page, *wanted)

    async def summary(request: Request) -> Response:
        from cchc.summary import build

        level, code = request.path_params["level"], request.path_params["code"]
        period_key, kind = request.path_params["period"], request.path_params["kind"]
        if level not in ("district", "province") or kind not in ("xlsx", "html"):
            return r.refused(request, "không có bản tổng hợp này")
        out = Path(tempfile.mkdtemp(prefix="cchc-desk-"))

        def make():
            with r.store.alone():
                return build(r.store.db, period_key, template=template,
                             out_dir=out, deadlines=deadlines, **{level: code})

        def download(paths) -> Response:
            path = paths.xlsx if kind == "xlsx" else paths.html
            return FileResponse(path, filename=path.name)
        return await r.answer(request, make, download)

    async def run_unreadable(request: Request) -> Response:
        return await r.page(request, "run_unreadable.html", pages.run_unreadable_page,
                            request.path_params["run_id"], province=province)

    async def data_docs(request: Request) -> Response:
        """A file of one run's Data Docs, read-only, and only from under that run's folder."""
        run_id, wanted = request.path_params["run_id"], request.path_params["path"]

        def find() -> Path:
            with r.store.read() as con:
                index = desk.run_docs(con, run_id)
            if not index:
                raise desk.DeskError("lần nạp này không có báo cáo kiểm tra dữ liệu")
            return docs_file(Path(index).parent, wanted)
        return await r.answer(request, find,
                              lambda path: FileResponse(path, headers=_DOCS_HEADERS))

    return [
        Route("/", home),
        Route("/period", period),
        Route("/commune/{admin_map}/{code}", commune),
        Route("/runs", r.show("runs.html", pages.runs_page)),
        Route("/runs/{run_id}/unreadable", run_unreadable),
        Route("/mail", r.show("mail.html", pages.mail_page)),
        Route("/audit", r.show("audit.html", pages.audit_page)),
        Route("/users", r.show("users.html", pages.users_page), methods=["GET"]),
        Route("/summary/{level}/{code}/{period}.{kind}", summary),
        Route("/runs/{run_id}/docs/{path:path}", data_docs, methods=["GET"]),
    ]


def docs_file(root: Path, wanted: str) -> Path:
    """The file ``wanted`` names under a run's Data Docs folder ``root``; DeskError for
    anything else (``..``, an absolute path, a link out of the folder, a folder, nothing)."""
    base = root.resolve()
    path = None if "\0" in wanted else (base / (wanted or "index.html")).resolve()
    if path is None or not path.is_relative_to(base) or not path.is_file():
        raise desk.DeskError("không có tệp này trong báo cáo kiểm tra dữ liệu của lần nạp")
    return path
