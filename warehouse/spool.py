"""The review desk's spool: officers' actions waiting for the warehouse, one JSON file each in
``<db>.desk-pending/`` beside it (``cchc.web.actions`` writes and applies them).

The night's load reads it too: between two batches it lets pending actions in, so an officer
does not wait for the whole load (see ``flows.steps.make_way_for_the_desk``).
"""

from __future__ import annotations

from pathlib import Path


def spool_dir(db: Path) -> Path:
    """Where the desk spools the actions for warehouse ``db``."""
    db = Path(db)
    return db.with_name(db.name + ".desk-pending")


def pending_ids(db: Path) -> set[str]:
    """The ids of the actions waiting to be applied (set-aside refusals are not waiting)."""
    spool = spool_dir(db)
    return {path.stem for path in spool.glob("*.json")} if spool.is_dir() else set()
