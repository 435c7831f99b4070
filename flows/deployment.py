"""The nightly deployment: ``cchc serve`` registers it with a Prefect server and runs it at
01:00 Asia/Ho_Chi_Minh (settings ``cron`` and ``timezone``).

Schedules fire only on a real Prefect server: the temporary API that Prefect starts for a
single flow call has no scheduler. Start one with ``prefect server start`` and point cchc at it
with ``PREFECT_API_URL=http://127.0.0.1:4200/api`` (README, "Running it every night").
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from prefect import flow

from cchc.errors import CchcError
from cchc.settings import Settings, parse_values

DEPLOYMENT = "nightly"


# The mail settings a night needs (flows/mailbox.py, flows/answers.py), handed to the flow as
# text; passwords are never among them (they are read from the environment or a file).
MAIL_SETTINGS = ("mailbox", "mailbox_password_file", "mailbox_ca", "mailbox_move_to",
                 "mailbox_since", "replies", "smtp", "smtp_password_file", "smtp_ca",
                 "reply_from", "outbox", "remind_days")


@flow(name="cchc-nightly", log_prints=True)
def nightly(inbox: str, db: str, archive: str, docs: str, workers: int = 2,
            runner: str = "thread", address: str | None = None,
            rules: str | None = None, mail: dict[str, str] | None = None,
            province: str | None = None, deadlines: dict[str, str] | None = None) -> str:
    """What the schedule runs: the ingest of whatever is new, its summary as the result.

    The summary is published on this flow run, the one an operator opens from the deployment
    in the UI (the ingest's own flow run, when there was something to load, is a subflow of
    it), quiet nights included.
    """
    from prefect.artifacts import create_markdown_artifact

    from cchc.flows.ingest import run_ingest

    settings = Settings(inbox=Path(inbox), db=Path(db), archive=Path(archive), docs=Path(docs),
                        workers=workers, runner=runner, address=address,
                        rules=Path(rules) if rules else None, province=province,
                        deadlines=deadlines or {})
    settings = replace(settings, **parse_values(mail or {}, "mail"))
    summary = run_ingest(settings).markdown()
    create_markdown_artifact(summary, key="cchc-run-summary",
                             description="What the nightly ingest did with each file")
    print(summary)
    return summary


def serve_nightly(settings: Settings) -> None:
    """Register the deployment and serve it until interrupted. Every path is made absolute
    here, in the directory ``cchc serve`` was started from.

    Stopping ``cchc serve`` pauses the deployment and drops the runs it had scheduled; stop it
    before the Prefect server, so that it can tell the server so (README, "Running it every
    night")."""
    from prefect.schedules import Cron
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        raise CchcError("cchc serve needs a Prefect server, which runs the schedule: start one "
                        "with `prefect server start` and set "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    nightly.serve(
        name=DEPLOYMENT,
        schedule=Cron(settings.cron, timezone=settings.timezone),
        parameters={"inbox": str(settings.inbox.resolve()), "db": str(settings.db.resolve()),
                    "archive": str(settings.archive.resolve()),
                    "docs": str(settings.docs.resolve()), "workers": settings.workers,
                    "runner": settings.runner, "address": settings.address,
                    "rules": str(settings.rules.resolve()) if settings.rules else None,
                    "mail": _mail_parameters(settings), "province": settings.province,
                    "deadlines": {k: str(v) for k, v in settings.deadlines.items()}},
    )


def _mail_parameters(settings: Settings) -> dict[str, str]:
    """The mail settings as text, paths made absolute here."""
    values = {name: getattr(settings, name) for name in MAIL_SETTINGS}
    return {name: str(value.resolve() if isinstance(value, Path) else value)
            for name, value in values.items() if value is not None}
