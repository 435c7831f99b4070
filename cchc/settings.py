"""Where cchc reads its settings: flag > environment > TOML file > default, one place each.

The TOML file is ``cchc.toml`` in the working directory, or the file named by ``--config`` or
``CCHC_CONFIG``; its keys are the field names below (``inbox = "/srv/cchc/inbox"``). Each
environment variable is the field's name in capitals after ``CCHC_`` (``CCHC_DB``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from cchc.errors import CchcError

DEFAULT_CONFIG = Path("cchc.toml")
RUNNERS = ("thread", "dask")
REPLIES = ("off", "dry-run", "on")


class SettingsError(CchcError):
    """A settings file or variable that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs; paths relative to the working directory unless absolute."""

    inbox: Path = Path("inbox")
    db: Path = Path("cchc.duckdb")
    # Where the received files are kept and each run's Data Docs go; None: beside the
    # warehouse (``archive/``, ``docs-gx/``), so a warehouse and its files move together and
    # a command run from a checkout writes nothing there unless the warehouse is there.
    archive: Path | None = None
    docs: Path | None = None
    workers: int = 2
    # Where the flow's tasks run (flows/runners.py): "thread" on this machine, or "dask" on a
    # LocalCluster of `workers` processes, or on the Dask scheduler at `address`.
    runner: str = "thread"
    address: str | None = None
    # The cross-field rules the reports are checked with; None is the shipped
    # reference/rules.yaml. A district that adds or changes a rule points this at its copy.
    rules: Path | None = None
    cron: str = "0 1 * * *"
    timezone: str = "Asia/Ho_Chi_Minh"
    # Submission deadlines that differ from the default (the 20th of the period's last month),
    # by period key: {"2024-9M" = "2024-09-25"}. Only in the settings file.
    deadlines: dict[str, str] = field(default_factory=dict)
    # The inbox's province (GSO code, "38"): settles a commune name that several provinces share
    # when the report names no province. None: such a report is rejected, listing the communes.
    province: str | None = None
    # The office mailbox the reports are mailed to (README, "Hộp thư của Phòng"): an imaps://
    # or imap:// URL with the login name and folder. Its password is never a setting: it is
    # read when logging in from CCHC_MAILBOX_PASSWORD or mailbox_password_file.
    mailbox: str | None = None
    mailbox_password_file: Path | None = None
    mailbox_ca: Path | None = None  # trust this certificate (a self-signed office server)
    mailbox_move_to: str | None = None  # move fetched messages here; None: flag them \Seen
    mailbox_since: date | None = None  # ignore messages that reached the mailbox before
    # Answers to the communes after the night: off, dry-run (.eml files in `outbox`) or on
    # (sent over `smtp`, from `reply_from`); reminders `remind_days` before a deadline.
    replies: str = "off"
    smtp: str | None = None
    smtp_password_file: Path | None = None
    smtp_ca: Path | None = None
    reply_from: str | None = None
    outbox: Path | None = None  # None: ``outbox/`` beside the warehouse
    remind_days: int = 3
    # The desk (cchc web) is reached over HTTPS through a reverse proxy on this machine: its
    # cookies go over TLS only, and the client address is the proxy's X-Forwarded-For.
    behind_proxy: bool = False

    def __post_init__(self) -> None:
        for name, default in _BESIDE_THE_WAREHOUSE.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.db.parent / default)


_BESIDE_THE_WAREHOUSE = {"archive": "archive", "docs": "docs-gx", "outbox": "outbox"}
_TYPES = {f.name: f.type for f in fields(Settings)}


def load_settings(config: Path | None = None, **flags: object) -> Settings:
    """Settings from the defaults, then the TOML file, then CCHC_* variables, then ``flags``.

    A flag whose value is None was not given and changes nothing.
    """
    values: dict[str, object] = {}
    path = config or (Path(os.environ["CCHC_CONFIG"]) if "CCHC_CONFIG" in os.environ else None)
    if path is not None or DEFAULT_CONFIG.is_file():
        values.update(_from_file(path or DEFAULT_CONFIG))
    values.update({
        name: _typed(name, os.environ[f"CCHC_{name.upper()}"], f"CCHC_{name.upper()}")
        for name in _TYPES if name != "deadlines" and f"CCHC_{name.upper()}" in os.environ})
    values.update({name: _typed(name, value, f"--{name}") for name, value in flags.items()
                   if value is not None})
    return Settings(**values)


def to_values(settings: Settings) -> dict[str, object]:
    """Every setting as JSON text (paths absolute, made so here), for a deployment's
    parameters: ``from_values`` gives the same Settings back wherever the night runs."""
    values: dict[str, object] = {}
    for name in _TYPES:
        value = getattr(settings, name)
        if isinstance(value, Path):
            value = str(value.resolve())
        elif isinstance(value, date):
            value = value.isoformat()
        if value is not None:
            values[name] = value
    return values


def from_values(values: dict[str, object], where: str) -> Settings:
    """Settings from ``to_values``' text, each checked as the settings file's are."""
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise SettingsError(f"{where}: unknown settings {unknown}")
    return Settings(**{name: _typed(name, value, f"{where}: {name}")
                       for name, value in values.items()})


def _from_file(path: Path) -> dict[str, object]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such settings file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(document) - set(_TYPES))
    if unknown:
        raise SettingsError(f"{path}: unknown settings {unknown}; known: {sorted(_TYPES)}")
    return {name: _typed(name, value, f"{path}: {name}") for name, value in document.items()}


def _typed(name: str, value: object, where: str) -> object:
    kind = _TYPES[name]
    if name == "deadlines":
        if not isinstance(value, dict):
            raise SettingsError(f"{where}: expected a table such as "
                                '{"2024-9M" = "2024-09-25"}')
        return {str(k): str(v) for k, v in value.items()}
    if kind in ("Path", "Path | None"):  # the annotations are text (from __future__)
        return Path(str(value))
    if kind == "bool":
        return _yes_no(value, where)
    if kind == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: {value!r} is not a whole number") from None
        least = 0 if name == "remind_days" else 1  # 0: no reminders
        if number < least:
            raise SettingsError(f"{where}: must be at least {least}, not {number}")
        return number
    if name == "province":
        return _province(value, where)
    if name == "runner" and value not in RUNNERS:
        raise SettingsError(f"{where}: unknown runner {value!r}; use one of {', '.join(RUNNERS)}")
    if name == "replies" and value not in REPLIES:
        raise SettingsError(f"{where}: {value!r}; use one of {', '.join(REPLIES)}")
    if name in ("mailbox", "smtp"):
        from cchc.mail.servers import parse_server

        parse_server(str(value), ("imaps", "imap") if name == "mailbox" else ("smtps", "smtp"),
                     where)
    if name == "mailbox_since":
        return _date(value, where)
    if name == "reply_from" and "@" not in str(value):
        raise SettingsError(f"{where}: {value!r} is not an e-mail address")
    return str(value)


def _yes_no(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{where}: {value!r}; write true or false")


def _date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise SettingsError(f"{where}: {value!r} is not a date; write it as YYYY-MM-DD"
                            ) from None


def _province(value: object, where: str) -> str:
    """A province's GSO code, unpadded ("038" is "38"), known on either map."""
    from cchc.transforms import admin_units

    text = str(value).strip()
    code = str(int(text)) if text.isdigit() else text
    known = {u.code: u.name for m in admin_units.MAPS for u in admin_units.units("province", m)}
    if code not in known:
        raise SettingsError(f"{where}: {value!r} is not a province's GSO code (e.g. 38 for "
                            "Tỉnh Thanh Hóa; the codes are in reference/admin_units.csv)")
    return code
