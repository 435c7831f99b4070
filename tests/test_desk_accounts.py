"""`cchc user add` as a script runs it, and the login throttle, against a real warehouse file."""

import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import duckdb

from cchc.web.security import FREE_FAILURES, verify_password
from tests.desk_server import serve

CCHC = [sys.executable, "-m", "cchc.cli"]


def add(db, name: str, role: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CCHC, "user", "add", name, "--role", role, "--db", str(db)],
                          input=password + "\n", capture_output=True, text=True, timeout=120)


def test_user_add_reads_the_password_from_stdin_and_stores_only_a_hash(tmp_path):
    db = tmp_path / "cchc.duckdb"
    done = add(db, "can_bo", "officer", "mot-mat-khau-dai")
    assert done.returncode == 0, done.stderr
    assert "Đã tạo tài khoản can_bo (officer)" in done.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        role, stored = con.execute("SELECT role, password_hash FROM core.users "
                                   "WHERE name = 'can_bo'").fetchone()
    finally:
        con.close()
    assert role == "officer" and stored.startswith("$argon2")
    assert "mot-mat-khau-dai" not in stored and verify_password(stored, "mot-mat-khau-dai")


def test_user_add_refusals_are_one_line_and_exit_2(tmp_path):
    db = tmp_path / "cchc.duckdb"
    short = add(db, "a", "officer", "ngan")
    assert (short.returncode, short.stderr) == (2, "cchc: mật khẩu cần ít nhất 8 ký tự\n")
    role = add(db, "a", "boss", "mot-mat-khau-dai")
    assert role.returncode == 2
    assert role.stderr == ("cchc: vai trò 'boss' không hợp lệ: chọn một trong viewer, officer, "
                           "admin, commune\n")
    assert add(db, "a", "viewer", "mot-mat-khau-dai").returncode == 0
    again = add(db, "a", "viewer", "mot-mat-khau-dai")
    assert (again.returncode, again.stderr) == (2, "cchc: người dùng 'a' đã tồn tại\n")


def test_logins_are_throttled_after_repeated_failures(tmp_path):
    db = tmp_path / "cchc.duckdb"
    assert add(db, "can_bo", "officer", "mat-khau-dung-roi").returncode == 0
    with serve(db) as (base, _):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{base}/login").read().decode()
        token = page.split('name="csrftoken" value="')[1].split('"')[0]

        def attempt(password: str) -> int:
            form = urllib.parse.urlencode({"csrftoken": token, "name": "can_bo",
                                           "password": password}).encode()
            try:
                return opener.open(f"{base}/login", data=form).status
            except urllib.error.HTTPError as refused:
                return refused.code

        assert [attempt("sai") for _ in range(FREE_FAILURES)] == [401] * FREE_FAILURES
        assert attempt("mat-khau-dung-roi") == 429  # even the right one, for a while


def test_a_restarted_desk_keeps_everyone_logged_in(tmp_path):
    """The key that signs sessions is kept beside the warehouse, owner-readable only."""
    db = tmp_path / "cchc.duckdb"
    assert add(db, "can_bo", "officer", "mat-khau-dung-roi").returncode == 0
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with serve(db, secret=None) as (base, _):
        page = opener.open(f"{base}/login").read().decode()
        token = page.split('name="csrftoken" value="')[1].split('"')[0]
        form = urllib.parse.urlencode({"csrftoken": token, "name": "can_bo",
                                       "password": "mat-khau-dung-roi"}).encode()
        assert opener.open(f"{base}/login", data=form).status == 200
    key = tmp_path / "cchc.duckdb.desk-secret"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text()) == 64
    with serve(db, secret=None) as (base, _):
        answer = opener.open(f"{base}/audit")
        assert answer.url == f"{base}/audit"  # not sent to the login form
        assert "can_bo" in answer.read().decode()
