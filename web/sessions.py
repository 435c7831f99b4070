"""Desk sessions recorded on the server, so that logging out, a password change and a role
change end them. A signed cookie alone stays valid until it expires, whoever holds a copy.

The cookie carries a random session id; the server keeps only its SHA-256, with the account and
role it was opened for. The record lives in SQLite beside the warehouse (``<db>.sessions``),
not in the warehouse: DuckDB lets one process write the warehouse at a time, and logging in or
out must work while the night's load holds it.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

MAX_AGE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    """Who a session is: the account, its role, and a commune account's unit (map, code)."""

    user_name: str
    role: str
    unit: tuple[str, str] | None = None


def sessions_path(db: Path) -> Path:
    return db.with_name(db.name + ".sessions")


class Sessions:
    """The open sessions of one warehouse's desk."""

    def __init__(self, db: Path, max_age: int = MAX_AGE_SECONDS) -> None:
        self.path = sessions_path(Path(db))
        self.max_age = max_age
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("""CREATE TABLE IF NOT EXISTS sessions (
                               id_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL,
                               role TEXT NOT NULL, started REAL NOT NULL,
                               admin_map TEXT, commune_code TEXT)""")
        self.path.chmod(0o600)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def start(self, user_name: str, role: str, unit: tuple[str, str] | None = None) -> str:
        """A new session for an account that just logged in (a commune account with its
        unit: map, code); its id, for the cookie."""
        session_id = secrets.token_urlsafe(32)
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM sessions WHERE started < ?", [time.time() - self.max_age])
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                        [_digest(session_id), user_name, role, time.time(),
                         *(unit or (None, None))])
        return session_id

    def find(self, session_id: str) -> Session | None:
        """The open session of this id; None for an ended, expired or unknown one."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT user_name, role, admin_map, commune_code FROM sessions "
                              "WHERE id_sha256 = ? AND started >= ?",
                              [_digest(session_id), time.time() - self.max_age]).fetchone()
        return Session(row[0], row[1], (row[2], row[3]) if row[3] else None) if row else None

    def end(self, session_id: str) -> None:
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM sessions WHERE id_sha256 = ?", [_digest(session_id)])

    def end_all(self, user_name: str) -> int:
        """End every session of an account (its password or role changed); how many."""
        with closing(self._connect()) as con, con:
            return con.execute("DELETE FROM sessions WHERE user_name = ?",
                               [user_name]).rowcount


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()
