"""Where the flow's tasks run: threads in the flow's own process, or a Dask cluster.

``thread`` (the default) runs ``workers`` tasks at a time in the flow's process, each handing
its file to one of ``workers`` extraction processes (flows/extraction.py): right for one
machine, since a night's work is a few hundred files. ``dask`` sends them to Dask worker
processes: a LocalCluster of ``workers`` single-threaded processes on this machine when no
address is given (extraction is pure Python, so processes, not threads, use several cores), or
the running cluster at ``address`` (``tcp://HOST:8786``) whose workers may sit on other machines.

A task that runs in another process reports to Prefect from there. Without a real server each
process would start a temporary API of its own, seconds each and invisible to the flow's UI, so
the Dask runner needs ``PREFECT_API_URL`` (``prefect server start``); the files the tasks read
and write (inbox, archive) must be visible to every worker under the same paths.
"""

from __future__ import annotations

import os

from cchc.errors import CchcError
from cchc.settings import RUNNERS


class RunnerError(CchcError):
    """A task runner that cannot be used as configured."""


def task_runner(kind: str = "thread", workers: int = 2, address: str | None = None):
    """The Prefect task runner for ``kind``: ``thread`` or ``dask``.

    ``workers`` is the number of threads, or of worker processes of the LocalCluster started
    for this run; with ``address`` the cluster's own workers are used and ``workers`` is unused.
    """
    if workers < 1:
        raise RunnerError(f"workers must be at least 1, not {workers}")
    if kind == "thread":
        if address:
            raise RunnerError(f"--address {address} is for the dask runner; add --runner dask")
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        _need_a_prefect_server()
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise RunnerError("the dask runner needs prefect-dask: pip install prefect-dask"
                              ) from None
        if address:
            return DaskTaskRunner(address=_scheduler_address(address))
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise RunnerError(f"unknown runner {kind!r}: use one of {', '.join(RUNNERS)}")


def _need_a_prefect_server() -> None:
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url and not os.environ.get("PREFECT_API_URL"):
        raise RunnerError(
            "the dask runner needs a Prefect server that every worker reports to: start one "
            "with `prefect server start --host 127.0.0.1` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (without it each worker process would "
            "start a temporary API of its own)")


def _scheduler_address(address: str) -> str:
    """``HOST:PORT`` or ``tcp://HOST:PORT``; a bare host gets the scheduler's port 8786."""
    if "://" not in address:
        address = f"tcp://{address}"
    if address.count(":") == 1:
        address = f"{address}:8786"
    return address
