"""The ``cchc`` command line: parse options, call one library function, format what it returns.

Errors cchc raises on purpose (``CchcError``) become one line on stderr and exit status 2; heavy
libraries are imported inside the commands that need them, so ``cchc --help`` starts at once.
Every command gets its settings the one way cchc/cli_options.py gives them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cchc.cli_accounts import commune_app, user_app
from cchc.cli_format import format_report, format_rows, format_status
from cchc.cli_options import RUN_SETTINGS, with_settings
from cchc.settings import Settings

app = typer.Typer(
    help="cchc: the district's pipeline for commune CCHC reports (Phụ lục 01b).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(user_app, name="user")
app.add_typer(commune_app, name="commune")


@app.callback()
def cchc() -> None:
    """Extract, validate, load and roll up commune CCHC reports."""


@app.command()
@with_settings("province")
def extract(
    settings: Settings,
    file: Annotated[Path, typer.Argument(help="A report: PDF, Word (.docx), XLSX or plain text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """Extract a report's metadata and every Phụ lục 01b figure, with where each was read."""
    from cchc.flows.reading import extract_report, template_for

    report = extract_report(file, template_for(settings.rules), settings.province)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(report.to_json()))


@app.command()
@with_settings("province", "rules")
def validate(
    settings: Settings,
    file: Annotated[Path, typer.Argument(help="A report: PDF, Word (.docx), XLSX or plain text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
    docs: Annotated[Path | None, typer.Option(
        help="Write Great Expectations Data Docs (HTML) into this folder.")] = None,
) -> None:
    """Check a report like a careful analyst; exit 0 accepted, 1 rejected, 2 unreadable."""
    from cchc.flows.reading import read_report, template_for
    from cchc.transforms.validate import validate_reports

    template = template_for(settings.rules)
    report, claims = read_report(file, template, settings.province)
    verdict = validate_reports([(report, claims)], template,
                               docs_dir=docs)[report.source.sha256]
    document = {**report.to_json(), "status": verdict.status,
                "issues": [issue.to_json() for issue in verdict.issues]}
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(document))
        typer.echo(f"Status:   {verdict.status}")
    if docs is not None:
        typer.echo(f"Data Docs: {docs / 'index.html'}", err=as_json)
    raise typer.Exit(0 if verdict.status == "accepted" else 1)


@app.command()
@with_settings("inbox", *RUN_SETTINGS, "mailbox")
def ingest(settings: Settings) -> None:
    """Load what is new in the inbox into the warehouse (what the nightly deployment runs);
    with a mailbox set, first pull its new messages' reports into the inbox."""
    from cchc.flows.ingest import run_ingest

    with _progress_bar() as progress:
        summary = run_ingest(settings, progress)
    typer.echo(summary.markdown())


@app.command()
@with_settings(*RUN_SETTINGS)
def reprocess(
    settings: Settings,
    period: Annotated[str | None, typer.Option(
        help="Only reports of this period (2024-9M, …).")] = None,
    commune: Annotated[str | None, typer.Option(
        help="Only reports of this commune: its GSO code (15865) or its name, "
             "written as a letterhead writes it (\"Xã Hoằng Hóa\").")] = None,
    since: Annotated[str | None, typer.Option(
        help="Only reports read by this cchc version or a later one (e.g. 0.1.0).")] = None,
) -> None:
    """Read the archived files again with today's cchc and reference data, as new versions."""
    from cchc.flows.ingest import run_reprocess

    with _progress_bar() as progress:
        summary = run_reprocess(settings, period, commune, since, progress)
    typer.echo(summary.markdown())


def _progress_bar():
    """A progress bar on stderr (silent when stderr is not a terminal, as under cron)."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar():
        console = _stderr_console()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      transient=True, console=console,
                      disable=not console.is_terminal) as progress:
            tasks: dict[str, object] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)

            yield update

    return bar()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
@with_settings("db")
def status(
    settings: Settings,
    period: Annotated[str | None, typer.Option(help="Only this period (2024-9M, …).")] = None,
) -> None:
    """What the warehouse holds: recent runs, files by status, who has not submitted."""
    from cchc.warehouse.query import status as warehouse_status

    typer.echo(format_status(warehouse_status(settings.db, period)))


@app.command()
@with_settings("db")
def query(
    settings: Settings,
    sql: Annotated[str, typer.Argument(help="One SELECT over the documented views.")],
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Run a read-only SQL query against the warehouse (waits while the night writes)."""
    from cchc.warehouse.query import run_query

    if output not in ("table", "csv", "json"):
        raise typer.BadParameter(f"--format {output!r}: choose table, csv or json")
    columns, rows = run_query(settings.db, sql)
    typer.echo(format_rows(columns, rows, output))


@app.command()
@with_settings("db")
def summary(
    settings: Settings,
    period: Annotated[str, typer.Option(help="Period key: 2024-Q1, 2024-H1, 2024-9M, 2024-FY.")],
    district: Annotated[str | None, typer.Option(help="GSO code of the district.")] = None,
    province: Annotated[str | None, typer.Option(help="GSO code of the province.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the workbook and the HTML.")] = Path("."),
) -> None:
    """Write the district (or province) summary: consolidated Phụ lục 01b workbook and HTML."""
    from cchc.flows.reading import template_for
    from cchc.summary import build

    paths = build(settings.db, period, template=template_for(settings.rules), district=district,
                  province=province, out_dir=out, deadlines=settings.deadlines)
    typer.echo(f"Bảng tổng hợp (.xlsx): {paths.xlsx}\nBáo cáo (.html):       {paths.html}")


@app.command()
@with_settings("inbox", *RUN_SETTINGS, "mailbox")
def serve(settings: Settings) -> None:
    """Serve the nightly deployment (cron 0 1 * * *, Asia/Ho_Chi_Minh); needs a Prefect server.

    Takes the same settings as ``cchc ingest``, which each night's run is given."""
    from cchc.flows.deployment import serve_nightly

    serve_nightly(settings)


@app.command()
@with_settings("db", "province", "rules", "behind_proxy")
def web(
    settings: Settings,
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps the desk on "
                                           "this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Start the officer's review desk (a web app in Vietnamese): see, correct, accept or return
    each report. Create accounts first with `cchc user add`."""
    import uvicorn

    from cchc.web.app import create_app

    typer.echo(f"Bàn duyệt báo cáo: http://{host}:{port}/  (kho dữ liệu {settings.db})")
    # Forwarded headers are believed only behind the proxy: otherwise any local process could
    # pick its own address and step round the login throttle.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                proxy_headers=settings.behind_proxy, forwarded_allow_ips="127.0.0.1")


def main() -> None:
    """Entry point of the ``cchc`` script."""
    app(prog_name="cchc")


if __name__ == "__main__":
    sys.exit(main())
