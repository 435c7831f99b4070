"""The options the ``cchc`` commands share, declared once, and the one way a command gets its
settings and reports its errors: ``@with_settings("db", "province")`` adds those flags and
``--config`` to the command and calls it with ``settings``, built once by
cchc.settings.load_settings (flag > environment > cchc.toml > default). A command cannot take a
setting's flag and forget to pass it on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer

from cchc.errors import CchcError

EXIT_UNREADABLE = 2

# One flag per setting a command may take; the help says what the setting does everywhere.
SETTING_OPTIONS = {
    "inbox": Annotated[Path | None, typer.Argument(help="Folder of submitted files.")],
    "db": Annotated[Path | None, typer.Option("--db", help="The DuckDB warehouse file.")],
    "archive": Annotated[Path | None, typer.Option(
        help="Where the bytes are kept (default: archive/ beside the warehouse).")],
    "docs": Annotated[Path | None, typer.Option(
        help="Where validation Data Docs go (default: docs-gx/ beside the warehouse).")],
    "workers": Annotated[int | None, typer.Option(help="Files extracted at once.")],
    "runner": Annotated[str | None, typer.Option(
        help="Where files are extracted: thread (this machine) or dask.")],
    "address": Annotated[str | None, typer.Option(
        help="The Dask scheduler, tcp://HOST:8786 (--runner dask; without it a local cluster "
             "is started).")],
    "province": Annotated[str | None, typer.Option(
        "--province", help="GSO code of the inbox's province (38): settles a commune name "
                           "several provinces share when a report names no province; or "
                           "$CCHC_PROVINCE.")],
    "rules": Annotated[Path | None, typer.Option(
        help="The cross-field rules (YAML); default the shipped reference/rules.yaml.")],
    "mailbox": Annotated[str | None, typer.Option(
        help="The office mailbox to pull reports from first, imaps://USER@HOST:993/FOLDER (the "
             "password from $CCHC_MAILBOX_PASSWORD or mailbox_password_file); or "
             "$CCHC_MAILBOX.")],
    "behind_proxy": Annotated[bool, typer.Option(
        "--behind-proxy", help="A reverse proxy on this machine serves the desk over HTTPS: "
                               "cookies only over TLS, and the client address taken from the "
                               "proxy's X-Forwarded-For (trusted from 127.0.0.1 only).")],
    "config": Annotated[Path | None, typer.Option(
        "--config", help="Settings file (TOML); default ./cchc.toml when present, or "
                         "$CCHC_CONFIG.")],
}
# The settings of a run: what ingest, reprocess and serve all take.
RUN_SETTINGS = ("db", "archive", "docs", "workers", "runner", "address", "province", "rules")


def with_settings(*names: str) -> Callable[[Callable], Callable]:
    """Give the decorated command the flags of the settings ``names`` (and ``--config``) and
    call it with ``settings=`` built from them; its own parameters stay as they are. A
    CchcError it raises (a bad setting too) becomes one line on stderr and exit status 2,
    never a traceback."""
    from cchc.settings import load_settings

    def decorate(command: Callable) -> Callable:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.name != "settings"]
        shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                    default=False if name == "behind_proxy" else None,
                                    annotation=SETTING_OPTIONS[name])
                  for name in (*names, "config")]

        @wraps(command)
        def run(*args, **kwargs):
            flags = {name: kwargs.pop(name) for name in names}
            if flags.get("behind_proxy") is False:  # a flag that only turns it on
                flags["behind_proxy"] = None
            try:
                settings = load_settings(kwargs.pop("config"), **flags)
                return command(*args, settings=settings, **kwargs)
            except CchcError as exc:
                typer.echo(f"cchc: {exc}", err=True)
                raise typer.Exit(EXIT_UNREADABLE) from None

        # typer reads the command's options from this signature
        run.__signature__ = inspect.Signature([*own, *shared])
        run.__annotations__ = {p.name: p.annotation for p in (*own, *shared)}
        return run

    return decorate
