"""Creating desk accounts (``cchc user add``): the password checked and hashed, then stored."""

from __future__ import annotations

from pathlib import Path

from cchc.warehouse import desk
from cchc.warehouse.desk import DeskError
from cchc.warehouse.schema import connect, transaction
from cchc.web.security import hash_password

MIN_PASSWORD = 8


def create_user(db: Path, name: str, role: str, password: str) -> None:
    """Add an account to the warehouse (creating or upgrading the file as a writer does)."""
    if not name.strip():
        raise DeskError("tên đăng nhập không được để trống")
    if len(password) < MIN_PASSWORD:
        raise DeskError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    con = connect(db, retry_seconds=30)
    try:
        with transaction(con):
            desk.add_user(con, name.strip(), role, hash_password(password))
    finally:
        con.close()
