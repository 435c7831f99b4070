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


@app.command()
@reports_errors
def extract(
    file: Annotated[Path, typer.Argument(help="A report: PDF, XLSX or plain text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """Extract a report's metadata and every Phụ lục 01b figure, with where each was read."""
    from transforms.report import extract_report

    report = extract_report(file)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(report.to_json()))


def format_report(document: dict) -> str:
    """The extract JSON as a person reads it: metadata, then one line per indicator."""
    meta = document["report"]
    lines = [
        f"File:     {document['source']['path']} ({document['source']['format']})",
        f"Commune:  {meta['commune_name'] or '?'} ({meta['commune_code'] or '?'}), "
        f"{meta['district_name'] or '?'} ({meta['district_code'] or '?'}), "
        f"province {meta['province_code'] or '?'}",
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


def _where(item: dict) -> str:
    if "sheet" in item:
        return f"{item['sheet']}!{item.get('cell', '')}"
    if "page" in item:
        return f"page {item['page']}"
    if "line" in item:
        return f"line {item['line']}"
    return "absent"


def main() -> None:
    """Entry point of the ``cchc`` script."""
    app(prog_name="cchc")


if __name__ == "__main__":
    sys.exit(main())
