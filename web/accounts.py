"""Desk accounts (``cchc user add|passwd|role``): the password checked and hashed, then stored;
a changed password or role ends the account's open sessions, so it takes effect at once."""

from __future__ import annotations

from pathlib import Path

from cchc.warehouse import desk
from cchc.warehouse.desk import DeskError
from cchc.warehouse.schema import connect, transaction
from cchc.web.security import hash_password
from cchc.web.sessions import Sessions

MIN_PASSWORD = 8


def create_user(db: Path, name: str, role: str, password: str,
                unit: tuple[str, str] | None = None) -> None:
    """Add an account to the warehouse (creating or upgrading the file as a writer does); a
    commune account with its ``unit`` (map, commune code)."""
    if not name.strip():
        raise DeskError("tên đăng nhập không được để trống")
    check_password(password)
    _write(db, lambda con: desk.add_user(con, name.strip(), role, hash_password(password),
                                         unit))


def change_password(db: Path, name: str, password: str) -> int:
    """A new password for an account; how many of its sessions were ended."""
    check_password(password)
    _write(db, lambda con: desk.set_user(con, name, password_hash=hash_password(password)))
    return Sessions(db).end_all(name)


def change_role(db: Path, name: str, role: str) -> int:
    """A new role for an account; how many of its sessions were ended."""
    _write(db, lambda con: desk.set_user(con, name, role=role))
    return Sessions(db).end_all(name)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DeskError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")


def _write(db: Path, change) -> None:
    con = connect(db, retry_seconds=30)
    try:
        with transaction(con):
            change(con)
    finally:
        con.close()
