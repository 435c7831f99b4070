"""The errors ``summary.build`` raises on purpose, each one line a person can act on.

All are ``CchcError``s, so the command line turns them into one line on stderr and exit 2.
"""

from __future__ import annotations

from cchc.errors import CchcError


class SummaryError(CchcError):
    """A summary that cannot be built as asked."""


class AreaChoiceError(SummaryError):
    """Both or neither of district and province were given."""


class UnknownAreaError(SummaryError):
    """The district or province code is not in the administrative registry."""


class DistrictsEndedError(SummaryError):
    """A district asked for a period after 1 July 2025, when districts no longer existed."""


class PeriodKeyError(SummaryError):
    """The period key does not parse (or a deadline setting names one that does not)."""


class NoReportsError(SummaryError):
    """The warehouse holds no report of any status for this area and period."""


class DeadlineError(SummaryError):
    """A deadline setting that cannot be used."""
