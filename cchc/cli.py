"""The ``cchc`` command line: parse options, call one library function, format what it returns.

Errors cchc raises on purpose (``CchcError``) become one line on stderr and exit status 2; heavy
libraries are imported inside the commands that need them, so ``cchc --help`` starts at once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer

from cchc.errors import CchcError

app = typer.Typer(
    help="cchc: the district's pipeline for commune CCHC reports (Phụ lục 01b).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_UNREADABLE = 2


@app.callback()
def cchc() -> None:
    """Extract, validate, load and roll up commune CCHC reports."""


def reports_errors(command: Callable) -> Callable:
    """Turn a CchcError into one line on stderr and exit status 2, never a traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CchcError as exc:
            typer.echo(f"cchc: {exc}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None

    return run


ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (TOML); default ./cchc.toml when present, or $CCHC_CONFIG.")]
DbOption = Annotated[Path | None, typer.Option("--db", help="The DuckDB warehouse file.")]
ProvinceOption = Annotated[str | None, typer.Option(
    "--province", help="GSO code of the inbox's province (38): settles a commune name several "
                       "provinces share when a report names no province; or $CCHC_PROVINCE.")]


@app.command()
@reports_errors
def extract(
    file: Annotated[Path, typer.Argument(help="A report: PDF, Word (.docx), XLSX or plain text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
    province: ProvinceOption = None,
    config: ConfigOption = None,
) -> None:
    """Extract a report's metadata and every Phụ lục 01b figure, with where each was read."""
    from cchc.flows.reading import extract_report
    from cchc.settings import load_settings

    report = extract_report(file, load_settings(config, province=province).province)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(report.to_json()))


ArchiveOption = Annotated[Path | None, typer.Option(help="Where the bytes are kept.")]
DocsOption = Annotated[Path | None, typer.Option(help="Where validation Data Docs go.")]
WorkersOption = Annotated[int | None, typer.Option(help="Files extracted at once.")]
RunnerOption = Annotated[str | None, typer.Option(
    help="Where files are extracted: thread (this machine) or dask.")]
AddressOption = Annotated[str | None, typer.Option(
    help="The Dask scheduler, tcp://HOST:8786 (--runner dask; without it a local cluster is "
         "started).")]
RulesOption = Annotated[Path | None, typer.Option(
    help="The cross-field rules (YAML); default the shipped reference/rules.yaml.")]
MailboxOption = Annotated[str | None, typer.Option(
    help="The office mailbox to pull reports from first, imaps://USER@HOST:993/FOLDER (the "
         "password from $CCHC_MAILBOX_PASSWORD or mailbox_password_file); or $CCHC_MAILBOX.")]


@app.command()
@reports_errors
def validate(
    file: Annotated[Path, typer.Argument(help="A report: PDF, Word (.docx), XLSX or plain text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
    docs: Annotated[Path | None, typer.Option(
        help="Write Great Expectations Data Docs (HTML) into this folder.")] = None,
    province: ProvinceOption = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
) -> None:
    """Check a report like a careful analyst; exit 0 accepted, 1 rejected, 2 unreadable."""
    from cchc.flows.reading import read_report
    from cchc.settings import load_settings
    from cchc.transforms.validate import validate_reports

    settings = load_settings(config, province=province, rules=rules)
    report, claims = read_report(file, settings.province)
    verdict = validate_reports([(report, claims)], docs_dir=docs,
                               rules_path=settings.rules)[report.source.sha256]
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
@reports_errors
def ingest(
    inbox: Annotated[Path | None, typer.Argument(help="Folder of submitted files.")] = None,
    db: DbOption = None,
    archive: ArchiveOption = None,
    docs: DocsOption = None,
    workers: WorkersOption = None,
    runner: RunnerOption = None,
    address: AddressOption = None,
    province: ProvinceOption = None,
    rules: RulesOption = None,
    mailbox: MailboxOption = None,
    config: ConfigOption = None,
) -> None:
    """Load what is new in the inbox into the warehouse (what the nightly deployment runs);
    with a mailbox set, first pull its new messages' reports into the inbox."""
    from cchc.flows.ingest import run_ingest
    from cchc.settings import load_settings

    settings = load_settings(config, inbox=inbox, db=db, archive=archive, docs=docs,
                             workers=workers, runner=runner, address=address,
                             province=province, rules=rules, mailbox=mailbox)
    with _progress_bar() as progress:
        summary = run_ingest(settings, progress)
    typer.echo(summary.markdown())


@app.command()
@reports_errors
def reprocess(
    period: Annotated[str | None, typer.Option(
        help="Only reports of this period (2024-9M, …).")] = None,
    commune: Annotated[str | None, typer.Option(
        help="Only reports of this commune: its GSO code (15865) or its name, "
             "written as a letterhead writes it (\"Xã Hoằng Hóa\").")] = None,
    since: Annotated[str | None, typer.Option(
        help="Only reports read by this cchc version or a later one (e.g. 0.1.0).")] = None,
    db: DbOption = None,
    archive: ArchiveOption = None,
    docs: DocsOption = None,
    workers: WorkersOption = None,
    runner: RunnerOption = None,
    address: AddressOption = None,
    province: ProvinceOption = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
) -> None:
    """Read the archived files again with today's cchc and reference data, as new versions."""
    from cchc.flows.ingest import run_reprocess
    from cchc.settings import load_settings

    settings = load_settings(config, db=db, archive=archive, docs=docs, workers=workers,
                             runner=runner, address=address, province=province, rules=rules)
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
@reports_errors
def status(
    db: DbOption = None,
    period: Annotated[str | None, typer.Option(help="Only this period (2024-9M, …).")] = None,
    config: ConfigOption = None,
) -> None:
    """What the warehouse holds: recent runs, files by status, who has not submitted."""
    from cchc.settings import load_settings
    from cchc.warehouse.query import status as warehouse_status

    settings = load_settings(config, db=db)
    typer.echo(format_status(warehouse_status(settings.db, period)))


def format_status(found: dict) -> str:
    """``cchc status`` in Vietnamese, like the desk and the run summary: whoever runs the night
    is at the Nội vụ office too. Statuses are said as the run summary says them."""
    from cchc.labels import FILE_STATUS, RUN_KIND, RUN_STATE, said

    lines = [f"Kho dữ liệu: {found['warehouse']} (lược đồ {found['schema_version']})", "",
             "Các lần nạp gần đây:"]
    for run in found["runs"]:
        kind, state = said(RUN_KIND, run["kind"]), said(RUN_STATE, run["status"])
        lines.append(f"  {run['run_id']}  {kind:<7} {state:<9} "
                     f"mới {run['n_new'] or 0:>4}  "
                     f"chấp nhận {run['n_accepted'] or 0:>4}  từ chối {run['n_rejected'] or 0:>3}"
                     f"  không đọc được {run['n_quarantined'] or 0:>3}")
    lines += ["", "Tệp theo tình trạng:"]
    lines += [f"  {said(FILE_STATUS, name):<17} {count}"
              for name, count in sorted(found["submissions"].items())]
    lines += ["", "Mức độ đầy đủ (huyện, hoặc tỉnh trên bản đồ 2025; kỳ: đã gửi / bị từ chối / "
                  "chưa gửi trên số phải báo cáo):"]
    lines += [f"  {_area(row)}, {row['period']}: "
              f"{row['n_submitted']} / {row['n_rejected']} / {row['n_missing']} trên "
              f"{row['n_expected']}" for row in found["completeness"]]
    if found.get("mailbox"):
        lines += ["", _mailbox_line(found["mailbox"])]
    return "\n".join(lines)


def _mailbox_line(pull: dict) -> str:
    """The last pull of the office mailbox in one line: when, and what it took or why not."""
    when = f"{pull['started_at']:%d/%m/%Y %H:%M}"
    if pull["ok"]:
        return (f"Hộp thư {pull['mailbox']}: lần lấy thư cuối {when}, {pull['n_messages']} thư "
                f"mới, {pull['n_files']} tệp.")
    return f"Hộp thư {pull['mailbox']}: lần lấy thư cuối {when} KHÔNG ĐỌC ĐƯỢC: {pull['error']}"


def _area(row: dict) -> str:
    if row["district_code"] is None:
        return f"tỉnh {row['province_code']} (bản đồ 2025)"
    return f"{row['district_code']} {row['district_name']}"


@app.command()
@reports_errors
def query(
    sql: Annotated[str, typer.Argument(help="One SELECT over the documented views.")],
    db: DbOption = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    config: ConfigOption = None,
) -> None:
    """Run a read-only SQL query against the warehouse (waits while the night writes)."""
    from cchc.settings import load_settings
    from cchc.warehouse.query import run_query

    if output not in ("table", "csv", "json"):
        raise typer.BadParameter(f"--format {output!r}: choose table, csv or json")
    settings = load_settings(config, db=db)
    columns, rows = run_query(settings.db, sql)
    typer.echo(format_rows(columns, rows, output))


def format_rows(columns: list[str], rows: list[tuple], output: str) -> str:
    """Rows as an aligned table, CSV or JSON records."""
    if output == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows],
                          ensure_ascii=False, indent=2, default=str)
    if output == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    texts = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in texts)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in texts]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


@app.command()
@reports_errors
def summary(
    period: Annotated[str, typer.Option(help="Period key: 2024-Q1, 2024-H1, 2024-9M, 2024-FY.")],
    district: Annotated[str | None, typer.Option(help="GSO code of the district.")] = None,
    province: Annotated[str | None, typer.Option(help="GSO code of the province.")] = None,
    db: DbOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the workbook and the HTML.")] = Path("."),
    config: ConfigOption = None,
) -> None:
    """Write the district (or province) summary: consolidated Phụ lục 01b workbook and HTML."""
    from cchc.settings import load_settings
    from cchc.summary import build

    settings = load_settings(config, db=db)
    paths = build(settings.db, period, district=district, province=province, out_dir=out,
                  deadlines=settings.deadlines)
    typer.echo(f"Bảng tổng hợp (.xlsx): {paths.xlsx}\nBáo cáo (.html):       {paths.html}")


@app.command()
@reports_errors
def serve(
    inbox: Annotated[Path | None, typer.Argument(help="Folder of submitted files.")] = None,
    db: DbOption = None,
    archive: ArchiveOption = None,
    docs: DocsOption = None,
    workers: WorkersOption = None,
    runner: RunnerOption = None,
    address: AddressOption = None,
    province: ProvinceOption = None,
    rules: RulesOption = None,
    mailbox: MailboxOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the nightly deployment (cron 0 1 * * *, Asia/Ho_Chi_Minh); needs a Prefect server.

    Takes the same settings as ``cchc ingest``, which each night's run is given."""
    from cchc.flows.deployment import serve_nightly
    from cchc.settings import load_settings

    serve_nightly(load_settings(config, inbox=inbox, db=db, archive=archive, docs=docs,
                                workers=workers, runner=runner, address=address,
                                province=province, rules=rules, mailbox=mailbox))


@app.command()
@reports_errors
def web(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps the desk on "
                                           "this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    behind_proxy: Annotated[bool, typer.Option(
        "--behind-proxy", help="A reverse proxy on this machine serves the desk over HTTPS: "
                               "cookies only over TLS, and the client address taken from the "
                               "proxy's X-Forwarded-For (trusted from 127.0.0.1 only).")] = False,
    config: ConfigOption = None,
) -> None:
    """Start the officer's review desk (a web app in Vietnamese): see, correct, accept or return
    each report. Create accounts first with `cchc user add`."""
    import uvicorn

    from cchc.settings import load_settings
    from cchc.web.app import create_app

    settings = load_settings(config, db=db, behind_proxy=behind_proxy or None)
    typer.echo(f"Bàn duyệt báo cáo: http://{host}:{port}/  (kho dữ liệu {settings.db})")
    # Forwarded headers are believed only behind the proxy: otherwise any local process could
    # pick its own address and step round the login throttle.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                proxy_headers=settings.behind_proxy, forwarded_allow_ips="127.0.0.1")


MapOption = Annotated[str | None, typer.Option(
    "--map", help="The administrative map of the code: legacy or 2025 (default: the one in "
                  "force today).")]
user_app = typer.Typer(help="Accounts of the review desk (cchc web).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
@reports_errors
def user_add(
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="viewer (reads), officer (acts on reports), admin "
                                           "(also manages accounts) or commune (uploads its "
                                           "own reports; needs --commune).")] = "viewer",
    commune: Annotated[str | None, typer.Option(
        help="For --role commune: the commune's GSO code, on --map.")] = None,
    admin_map: MapOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a desk account; asks for the password (or reads it from standard input when that
    is not a terminal, for scripts)."""
    from datetime import date

    from cchc.settings import load_settings
    from cchc.transforms.admin_units import map_on
    from cchc.web.accounts import create_user

    settings = load_settings(config, db=db)
    unit = (admin_map or map_on(date.today()), commune) if commune else None
    create_user(settings.db, name, role, _password(), unit)
    typer.echo(f"Đã tạo tài khoản {name} ({role}) trong {settings.db}")


def _password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("passwd")
@reports_errors
def user_passwd(
    name: Annotated[str, typer.Argument(help="The login name.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Set a desk account's password (asked, or read from standard input); logs the account
    out everywhere."""
    from cchc.settings import load_settings
    from cchc.web.accounts import change_password

    settings = load_settings(config, db=db)
    ended = change_password(settings.db, name, _password())
    typer.echo(f"Đã đổi mật khẩu của {name}; {ended} phiên đăng nhập đã kết thúc.")


@user_app.command("role")
@reports_errors
def user_role(
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Argument(help="viewer, officer or admin.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Change a desk account's role; logs the account out everywhere, so it takes effect now."""
    from cchc.settings import load_settings
    from cchc.web.accounts import change_role

    settings = load_settings(config, db=db)
    ended = change_role(settings.db, name, role)
    typer.echo(f"Đã đổi vai trò của {name} thành {role}; {ended} phiên đăng nhập đã kết thúc.")


commune_app = typer.Typer(help="The communes' registry: the addresses each sends from.",
                          no_args_is_help=True)
email_app = typer.Typer(help="The e-mail addresses a commune sends its reports from.",
                        no_args_is_help=True)
app.add_typer(commune_app, name="commune")
commune_app.add_typer(email_app, name="email")


@email_app.command("add")
@reports_errors
def email_add(
    code: Annotated[str, typer.Argument(help="The commune's GSO code (15865).")],
    address: Annotated[str, typer.Argument(help="An address it sends from.")],
    admin_map: MapOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Register an address a commune sends from: a report it mails whose letterhead names
    another commune is flagged for the officer."""
    from cchc.settings import load_settings
    from cchc.warehouse.mail import register_addresses

    settings = load_settings(config, db=db)
    added, _ = register_addresses(settings.db, [(code, address, admin_map)], "cchc commune "
                                  "email add")
    typer.echo(f"Đã đăng ký {address} cho xã {code}." if added
               else f"{address} đã được đăng ký cho xã {code} từ trước.")


@email_app.command("import")
@reports_errors
def email_import(
    csv_file: Annotated[Path, typer.Argument(help="A CSV with columns code,address (and "
                                                  "optionally map).")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Register every (commune, address) row of a CSV file, all or none."""
    from cchc.settings import load_settings
    from cchc.warehouse.mail import read_address_csv, register_addresses

    settings = load_settings(config, db=db)
    added, known = register_addresses(settings.db, read_address_csv(csv_file), str(csv_file))
    typer.echo(f"Đã đăng ký {added} địa chỉ mới ({known} đã có từ trước).")


@email_app.command("list")
@reports_errors
def email_list(db: DbOption = None, config: ConfigOption = None) -> None:
    """Every registered address, by commune."""
    from cchc.settings import load_settings
    from cchc.warehouse.mail import registered

    settings = load_settings(config, db=db)
    rows = registered(settings.db)
    typer.echo(format_rows(["map", "code", "commune", "address", "added"],
                           [(r["admin_map"], r["commune_code"], r["commune_name"],
                             r["address"], f"{r['added_at']:%Y-%m-%d}") for r in rows], "table"))


def format_report(document: dict) -> str:
    """The extract JSON as a person reads it: metadata, then one line per indicator."""
    meta = document["report"]
    lines = [
        f"File:     {document['source']['path']} ({document['source']['format']})",
        f"Commune:  {meta['commune_name'] or '?'} ({meta['commune_code'] or '?'}), "
        f"{_district(meta)}province {meta['province_code'] or '?'}, "
        f"map {meta.get('admin_map') or '?'}",
        f"Period:   {meta['period'] or '?'}    Date: {meta['report_date'] or '-'}    "
        f"Number: {meta['doc_number'] or '-'}",
        "",
        f"{'Code':<9} {'Value':>10}  {'Where':<14} Unit",
    ]
    for item in document["indicators"]:
        value = "" if item["value"] is None else f"{item['value']:g}"
        where = _where(item)
        lines.append(f"{item['code']:<9} {value:>10}  {where:<14} {item['unit']}")
    for issue in document["issues"]:
        lines.append(f"{issue['severity'].upper()}: {issue['message']}")
    return "\n".join(lines)


def _district(meta: dict) -> str:
    """"Huyện Hoằng Hóa (399), ", or nothing on the 2025 map, which has no districts."""
    if meta.get("admin_map") == "2025":
        return ""
    return f"{meta['district_name'] or '?'} ({meta['district_code'] or '?'}), "


def _where(item: dict) -> str:
    if "sheet" in item:
        return f"{item['sheet']}!{item.get('cell', '')}"
    if "page" in item:
        return f"page {item['page']}"
    if "line" in item:
        return f"line {item['line']}"
    if "table" in item:
        return f"table {item['table']} row {item['row']}"
    return "absent"


def main() -> None:
    """Entry point of the ``cchc`` script."""
    app(prog_name="cchc")


if __name__ == "__main__":
    sys.exit(main())
