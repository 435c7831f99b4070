"""The Prefect flow of a run: thin tasks over flows/steps.py.

Imported only when there is something to ingest (Prefect takes seconds to import and start).
Only the tasks that touch the disk or the warehouse retry; none caches (idempotency is the
warehouse's job, and a warehouse connection must never be hashed as a task input).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote, unmapped

from cchc.flows import ingest, mailbox, steps
from cchc.flows.inbox import Candidate, Received, archive
from cchc.flows.reading import template_for
from cchc.settings import Settings
from cchc.transforms.validate import validate_reports

LOAD_BATCH = 20

# Called, not submitted: they run in the flow's process whatever the task runner (a Dask
# worker has no business holding the warehouse, and validation needs the whole batch at once).
# Their big arguments go in quote(): Prefect would otherwise walk every figure of every report
# looking for futures, once per call (~14 ms a report, measured).
validate = task(validate_reports, name="validate", cache_policy=NO_CACHE)
load = task(steps.load_batch, name="load", retries=2, retry_delay_seconds=5,
            cache_policy=NO_CACHE)
reread = task(steps.reread_batch, name="reread", retries=2, retry_delay_seconds=5,
              cache_policy=NO_CACHE)


@task(name="receive", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def receive(new: list[Candidate], archive_dir: Path) -> list[Received]:
    """Archive the night's new files, in one task: copying is quick, and a task run per file
    cost the temporary Prefect API as much work as the file's extraction task (archiving is
    idempotent, so a retry may redo files already copied)."""
    return [archive(candidate, archive_dir) for candidate in new]


@task(name="extract", cache_policy=NO_CACHE)
def extract(received: Received, province: str | None = None, rules: Path | None = None
            ) -> steps.Extracted:
    """One file, in the run's extraction processes (thread runner) or right here (a Dask
    worker, a process of its own); ``province`` is the inbox's setting."""
    processes = ingest.extract_in.get()
    return (processes.extract(received, province, rules) if processes
            else steps.extract(received, province, rules))


@flow(name="nightly_ingest", validate_parameters=False)
def nightly_ingest(settings: Settings, notes: tuple[str, ...] = ()) -> steps.RunSummary:
    """Fingerprint and archive → extract (in parallel) → validate the batch → load → summary.
    ``notes``: lines for the summary about what came before (the mailbox pulled)."""
    found, new = ingest.plan(settings)
    run_id, seen_before = steps.begin_run(settings)
    # An absolute archive: a Dask worker on another machine has a working directory of its own.
    received = receive(quote(new), settings.archive.resolve())
    fresh = steps.first_of_each(received, seen_before)
    extracted = _extract_all(fresh, settings)
    verdicts, docs = _validate(settings, run_id, extracted)
    verdicts = mailbox.with_sender_warnings(settings, extracted, verdicts)
    todo = [*extracted, *(steps.Extracted(item) for item in received if item not in fresh)]
    read_with = steps.read_with(settings)
    outcomes = _in_batches(settings.db, todo, lambda batch: load(
        settings.db, run_id, quote(batch), quote(verdicts), read_with))
    summary = steps.finish(settings, run_id, len(found), outcomes, docs, notes=notes)
    create_markdown_artifact(summary.markdown(), key="cchc-run-summary",
                             description="What the nightly ingest did with each file")
    return summary


@flow(name="reprocess", validate_parameters=False)
def reprocess(settings: Settings, files: list) -> steps.RunSummary:
    """The archived ``files`` (warehouse.reread.Archived) read again with today's cchc and
    reference data: extract → validate the batch → store new readings → summary, the night's
    own steps."""
    run_id, _ = steps.begin_run(settings, kind="reprocess")
    extracted = _extract_all([steps.from_archive(archived) for archived in files], settings)
    verdicts, docs = _validate(settings, run_id, extracted)
    by_sha256 = {archived.submission.sha256: archived for archived in files}
    extracted.sort(key=lambda item: by_sha256[item.received.sha256].submission.inbox_path)
    read_with = steps.read_with(settings)
    outcomes = _in_batches(settings.db, extracted, lambda batch: reread(
        settings.db, run_id, quote(batch), quote(verdicts), quote(by_sha256), read_with))
    summary = steps.finish(settings, run_id, len(files), outcomes, docs, kind="reprocess")
    create_markdown_artifact(summary.markdown(), key="cchc-run-summary",
                             description="What reading the archived files again changed")
    return summary


def _extract_all(received: list[Received], settings: Settings) -> list[steps.Extracted]:
    """Extract every file in parallel, by path; then free the extraction processes.

    The settings' province settles names shared across provinces; its rules are the office's."""
    progress, processes = ingest.progress_to.get(), ingest.extract_in.get()
    extracted = []
    for future in as_completed(extract.map(received, province=unmapped(settings.province),
                                           rules=unmapped(settings.rules))):
        extracted.append(future.result())
        if progress:
            progress("extract", len(extracted), len(received))
    extracted.sort(key=lambda item: str(item.received.path))
    if processes is not None:  # extraction is over: free the workers' memory for validation
        processes.close()
    return extracted


def _validate(settings: Settings, run_id: str,
              extracted: list[steps.Extracted]) -> tuple[dict, str | None]:
    """(verdicts by sha256, the Data Docs page) for the reports among ``extracted``."""
    reports = [(item.report, item.claims) for item in extracted if item.report is not None]
    if not reports:
        return {}, None
    history = steps.history_for(settings, [report for report, _ in reports])
    docs = settings.docs.resolve() / run_id  # the desk opens it from another folder
    template = template_for(settings.rules)
    return (validate(quote(reports), quote(template), quote(history), docs),
            str(docs / "index.html"))


def _in_batches(db: Path, todo: list, load_one_batch) -> list[steps.Outcome]:
    """Load ``todo`` LOAD_BATCH at a time, opening the warehouse per batch, and letting the
    desk's pending actions in between batches."""
    progress, outcomes, yielded = ingest.progress_to.get(), [], set()
    for start in range(0, len(todo), LOAD_BATCH):
        steps.make_way_for_the_desk(db, yielded)
        outcomes += load_one_batch(todo[start:start + LOAD_BATCH])
        if progress:
            progress("load", min(start + LOAD_BATCH, len(todo)), len(todo))
    return outcomes
