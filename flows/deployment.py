"""The nightly deployment: ``cchc serve`` registers it with a Prefect server and runs it at
01:00 Asia/Ho_Chi_Minh (settings ``cron`` and ``timezone``).

Schedules fire only on a real Prefect server: the temporary API that Prefect starts for a
single flow call has no scheduler. Start one with ``prefect server start`` and point cchc at it
with ``PREFECT_API_URL=http://127.0.0.1:4200/api`` (README, "Running it every night").
"""

from __future__ import annotations

import os

from prefect import flow

from cchc.errors import CchcError
from cchc.settings import Settings, from_values, to_values

DEPLOYMENT = "nightly"


@flow(name="cchc-nightly", log_prints=True)
def nightly(settings: dict[str, object]) -> str:
    """What the schedule runs: the ingest of whatever is new, its summary as the result.

    ``settings`` are every setting ``cchc serve`` was given, as text (cchc.settings.to_values):
    the night runs with exactly those, the province and the mailbox included. The summary is
    published on this flow run, the one an operator opens from the deployment in the UI (the
    ingest's own flow run, when there was something to load, is a subflow of it), quiet nights
    included.
    """
    from prefect.artifacts import create_markdown_artifact

    from cchc.flows.ingest import run_ingest

    summary = run_ingest(from_values(settings, "the deployment's settings")).markdown()
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
        parameters={"settings": to_values(settings)},
    )

