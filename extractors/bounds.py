"""How long and how much memory reading one file may take, so that no file stalls a night.

A real report reads in well under ten seconds and a few hundred megabytes; a file past these
bounds is damaged or is not a report (a PDF whose compressed streams inflate without end, a
page of a million drawn objects), and is refused like one. Both bounds are set around one
file's reading, in the thread that reads it:

- time: ``SECONDS`` of wall-clock time, by SIGALRM;
- memory: ``MEMORY_BYTES`` of address space on top of what the process already uses, by a soft
  RLIMIT_AS that is put back afterwards (an allocation past it raises MemoryError).

Signals and resource limits belong to the process, so both are set only in the main thread:
that is where ``cchc extract``/``cchc validate`` and the nightly run's extraction processes
read. A reader in another thread (the Dask runner's workers) relies on the other caps: the file
size (detect.MAX_FILE_BYTES), a workbook's declared size (xlsx_report.MAX_UNCOMPRESSED_BYTES)
and the number of PDF pages (pdf_report.MAX_PAGES).
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cchc.errors import UnreadableReport

SECONDS = 120
MEMORY_BYTES = 2 * 2**30


class _OutOfTime(Exception):
    """Raised by the alarm inside the reading; never escapes ``bounded``."""


@contextmanager
def bounded(name: str, seconds: float = SECONDS, memory: int = MEMORY_BYTES) -> Iterator[None]:
    """Refuse the file being read in the block when it takes longer or more memory."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_handler = signal.signal(signal.SIGALRM, _expire)
    previous_limit = resource.getrlimit(resource.RLIMIT_AS)
    _limit_memory(memory, previous_limit)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime:
        raise UnreadableReport(name, (
            f"đọc tệp mất hơn {seconds:.0f} giây (một báo cáo chỉ cần vài giây): tệp bị hỏng "
            "hoặc không phải báo cáo; đề nghị xã kiểm tra và gửi lại tệp")) from None
    except MemoryError:
        raise UnreadableReport(name, (
            f"đọc tệp cần hơn {memory // 2**20} MB bộ nhớ (một báo cáo chỉ cần vài trăm MB): "
            "tệp bị hỏng hoặc không phải báo cáo; đề nghị xã kiểm tra và gửi lại tệp")) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        resource.setrlimit(resource.RLIMIT_AS, previous_limit)


def _expire(signum: int, frame: object) -> None:
    raise _OutOfTime


def _limit_memory(memory: int, previous: tuple[int, int]) -> None:
    """Lower the soft address-space limit to what is mapped now plus ``memory``."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = previous
    wanted = mapped + memory
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
