"""The district summary the Phòng Nội vụ sends upward (issue 5): the consolidated Phụ lục 01b
as a workbook, and an HTML report with charts, from the warehouse views.

``build`` is the entry point (``cchc summary`` calls it); the rest are plain functions over
plain data: ``gather`` reads the views into a ``model.Summary``, ``workbook`` and ``html``
format it, ``rates`` and ``timeliness`` hold the officer's rules.
"""

from cchc.summary.build import SummaryPaths, build
from cchc.summary.errors import (
    AreaChoiceError,
    DeadlineError,
    DistrictsEndedError,
    NoReportsError,
    PeriodKeyError,
    SummaryError,
    UnknownAreaError,
)

__all__ = [
    "AreaChoiceError",
    "DeadlineError",
    "DistrictsEndedError",
    "NoReportsError",
    "PeriodKeyError",
    "SummaryError",
    "SummaryPaths",
    "UnknownAreaError",
    "build",
]
