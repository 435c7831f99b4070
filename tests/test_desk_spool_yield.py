"""The night's load lets an officer's pending action in between two batches, and a desk that
is not running (its spool stays full) delays a night only once per action."""

from __future__ import annotations

import threading
import time

from cchc.flows.steps import make_way_for_the_desk
from cchc.warehouse.spool import pending_ids


def _spool(tmp_path, *ids: str):
    db = tmp_path / "cchc.duckdb"
    spool = tmp_path / "cchc.duckdb.desk-pending"
    (spool / "refused").mkdir(parents=True)
    for action_id in ids:
        (spool / f"{action_id}.json").write_text("{}", encoding="utf-8")
    (spool / "refused" / "old.json").write_text("{}", encoding="utf-8")
    return db, spool


def test_the_load_waits_until_the_desk_has_applied_what_was_pending(tmp_path):
    db, spool = _spool(tmp_path, "a1")
    assert pending_ids(db) == {"a1"}  # a refused action set aside is not waiting
    applied = threading.Timer(0.5, (spool / "a1.json").unlink)
    applied.start()
    started = time.monotonic()
    make_way_for_the_desk(db, set(), longest=30)
    assert not (spool / "a1.json").exists()  # it returned because the action was applied,
    assert time.monotonic() - started < 30  # not because it gave up
    applied.join()


def test_a_desk_that_is_not_running_delays_the_night_once(tmp_path):
    db, spool = _spool(tmp_path, "a1", "a2")
    yielded: set[str] = set()
    make_way_for_the_desk(db, yielded, longest=0.2)  # nobody applies them: gives up
    assert yielded == {"a1", "a2"}
    started = time.monotonic()
    make_way_for_the_desk(db, yielded, longest=30)
    assert time.monotonic() - started < 30  # the same actions are not waited for again
    (spool / "a3.json").write_text("{}", encoding="utf-8")
    make_way_for_the_desk(db, yielded, longest=0.2)
    assert yielded == {"a1", "a2", "a3"}


def test_no_spool_no_wait(tmp_path):
    started = time.monotonic()
    make_way_for_the_desk(tmp_path / "cchc.duckdb", set(), longest=30)
    assert time.monotonic() - started < 30
