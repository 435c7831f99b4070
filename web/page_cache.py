"""The data of the desk's pages, kept until the warehouse changes.

At the deadline some fifty officers and communes open the same glance and the same reports;
each page is hundreds of milliseconds of queries on 50,000 reports, and the desk opens the
warehouse one connection at a time (DuckDB's rule: web/store.py). So a page's data is kept,
keyed by the page and its arguments, for as long as the warehouse file and its write-ahead log
are as they were when it was read: any write anyone makes (the night's load, an officer's
action, an upload) changes one of them, and the next request reads afresh; and never longer
than MAX_AGE_SECONDS, for what depends on the day (how late a commune is). Only data is kept:
who is looking, and what they may see, is checked on every request.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

MAX_PAGES = 512
MAX_AGE_SECONDS = 300.0


class PageCache:
    def __init__(self, db: Path, size: int = MAX_PAGES) -> None:
        self.db = Path(db)
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[tuple, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._reading: dict[Hashable, threading.Lock] = {}

    def generation(self) -> tuple:
        """What changes whenever the warehouse is written: the stat of the file and its WAL."""
        found: list = [int(time.monotonic() // MAX_AGE_SECONDS)]
        for path in (self.db, self.db.with_name(self.db.name + ".wal")):
            try:
                stat = os.stat(path)
                found.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
            except FileNotFoundError:
                found.append(None)
        return tuple(found)

    def get(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """The page's data: kept, or ``read()`` and kept under the generation it was read at.
        Requests for a page being read wait for that one reading rather than each reading
        it again (fifty clients asking at once would otherwise queue fifty readings)."""
        generation = self.generation()
        kept = self._kept(key, generation)
        if kept is not None:
            return kept[1]
        with self._lock:
            reading = self._reading.setdefault(key, threading.Lock())
        with reading:
            kept = self._kept(key, generation)
            if kept is not None:
                return kept[1]
            data = read()
            with self._lock:
                self._pages[key] = (generation, data)
                self._pages.move_to_end(key)
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
                self._reading.pop(key, None)
        return data

    def _kept(self, key: Hashable, generation: tuple) -> tuple[tuple, Any] | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept[0] == generation:
                self._pages.move_to_end(key)
                return kept
        return None
