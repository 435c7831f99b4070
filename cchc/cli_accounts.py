"""``cchc user`` and ``cchc commune``: the desk's accounts and the addresses each commune
sends its reports from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cchc.cli_format import format_rows
from cchc.cli_options import with_settings
from cchc.settings import Settings

MapOption = Annotated[str | None, typer.Option(
    "--map", help="The administrative map of the code: legacy or 2025 (default: the one in "
                  "force today).")]
user_app = typer.Typer(help="Accounts of the review desk (cchc web).", no_args_is_help=True)


@user_app.command("add")
@with_settings("db")
def user_add(
    settings: Settings,
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="viewer (reads), officer (acts on reports), admin "
                                           "(also manages accounts) or commune (uploads its "
                                           "own reports; needs --commune).")] = "viewer",
    commune: Annotated[str | None, typer.Option(
        help="For --role commune: the commune's GSO code, on --map.")] = None,
    admin_map: MapOption = None,
) -> None:
    """Create a desk account; asks for the password (or reads it from standard input when that
    is not a terminal, for scripts)."""
    from datetime import date

    from cchc.transforms.admin_units import map_on
    from cchc.web.accounts import create_user

    unit = (admin_map or map_on(date.today()), commune) if commune else None
    create_user(settings.db, name, role, _password(), unit)
    typer.echo(f"Đã tạo tài khoản {name} ({role}) trong {settings.db}")


def _password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("passwd")
@with_settings("db")
def user_passwd(
    settings: Settings,
    name: Annotated[str, typer.Argument(help="The login name.")],
) -> None:
    """Set a desk account's password (asked, or read from standard input); logs the account
    out everywhere."""
    from cchc.web.accounts import change_password

    ended = change_password(settings.db, name, _password())
    typer.echo(f"Đã đổi mật khẩu của {name}; {ended} phiên đăng nhập đã kết thúc.")


@user_app.command("role")
@with_settings("db")
def user_role(
    settings: Settings,
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Argument(help="viewer, officer or admin.")],
) -> None:
    """Change a desk account's role; logs the account out everywhere, so it takes effect now."""
    from cchc.web.accounts import change_role

    ended = change_role(settings.db, name, role)
    typer.echo(f"Đã đổi vai trò của {name} thành {role}; {ended} phiên đăng nhập đã kết thúc.")


commune_app = typer.Typer(help="The communes' registry: the addresses each sends from.",
                          no_args_is_help=True)
email_app = typer.Typer(help="The e-mail addresses a commune sends its reports from.",
                        no_args_is_help=True)
commune_app.add_typer(email_app, name="email")


@email_app.command("add")
@with_settings("db")
def email_add(
    settings: Settings,
    code: Annotated[str, typer.Argument(help="The commune's GSO code (15865).")],
    address: Annotated[str, typer.Argument(help="An address it sends from.")],
    admin_map: MapOption = None,
) -> None:
    """Register an address a commune sends from: a report it mails whose letterhead names
    another commune is flagged for the officer."""
    from cchc.warehouse.mail import register_addresses

    added, _ = register_addresses(settings.db, [(code, address, admin_map)], "cchc commune "
                                  "email add")
    typer.echo(f"Đã đăng ký {address} cho xã {code}." if added
               else f"{address} đã được đăng ký cho xã {code} từ trước.")


@email_app.command("import")
@with_settings("db")
def email_import(
    settings: Settings,
    csv_file: Annotated[Path, typer.Argument(help="A CSV with columns code,address (and "
                                                  "optionally map).")],
) -> None:
    """Register every (commune, address) row of a CSV file, all or none."""
    from cchc.warehouse.mail import read_address_csv, register_addresses

    added, known = register_addresses(settings.db, read_address_csv(csv_file), str(csv_file))
    typer.echo(f"Đã đăng ký {added} địa chỉ mới ({known} đã có từ trước).")


@email_app.command("list")
@with_settings("db")
def email_list(settings: Settings) -> None:
    """Every registered address, by commune."""
    from cchc.warehouse.mail import registered

    rows = registered(settings.db)
    typer.echo(format_rows(["map", "code", "commune", "address", "added"],
                           [(r["admin_map"], r["commune_code"], r["commune_name"],
                             r["address"], f"{r['added_at']:%Y-%m-%d}") for r in rows], "table"))
