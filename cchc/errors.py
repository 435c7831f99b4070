"""The errors cchc raises on purpose, each carrying a message a person can act on.

Library code raises these; the command line turns them into one line on stderr and an exit
code (see ``cchc.cli``). Anything else that escapes is a bug in cchc, not bad input.
"""

from __future__ import annotations


class CchcError(Exception):
    """Base of every error cchc reports to a person rather than as a traceback."""


class UnreadableReport(CchcError):
    """A file that cannot be turned into a report: wrong format, damaged, encrypted, no appendix.

    The message is "name: reason", the reason saying what is wrong and what to do about it. The
    two are kept apart because the warehouse stores the reason next to the file's own name.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name, reason)
        self.name, self.reason = name, reason

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class ReferenceDataError(CchcError):
    """A reference data file (catalog, rules, administrative units) is malformed."""


class UnknownPeriod(CchcError, ValueError):
    """A period key that names no period ("Q1" instead of "2024-Q1").

    Also a ValueError, so that callers who treat a bad key as a bad value keep working.
    """


class UnknownUnit(CchcError, KeyError):
    """An administrative unit code that names no unit, or more than one without its level.

    Also a KeyError (a lookup that found nothing), printed without KeyError's quotes.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
