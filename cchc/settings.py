"""Where cchc reads its settings: flag > environment > TOML file > default, one place each.

The TOML file is ``cchc.toml`` in the working directory, or the file named by ``--config`` or
``CCHC_CONFIG``; its keys are the field names below (``inbox = "/srv/cchc/inbox"``). Each
environment variable is the field's name in capitals after ``CCHC_`` (``CCHC_DB``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from cchc.errors import CchcError

DEFAULT_CONFIG = Path("cchc.toml")
RUNNERS = ("thread", "dask")


class SettingsError(CchcError):
    """A settings file or variable that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs; paths relative to the working directory unless absolute."""

    inbox: Path = Path("inbox")
    db: Path = Path("cchc.duckdb")
    archive: Path = Path("archive")
    docs: Path = Path("docs-gx")
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


_TYPES = {f.name: f.type for f in fields(Settings)}


def load_settings(config: Path | None = None, **flags: object) -> Settings:
    """Settings from the defaults, then the TOML file, then CCHC_* variables, then ``flags``.

    A flag whose value is None was not given and changes nothing.
    """
    settings = Settings()
    path = config or (Path(os.environ["CCHC_CONFIG"]) if "CCHC_CONFIG" in os.environ else None)
    if path is not None or DEFAULT_CONFIG.is_file():
        settings = replace(settings, **_from_file(path or DEFAULT_CONFIG))
    settings = replace(settings, **{
        name: _typed(name, os.environ[f"CCHC_{name.upper()}"], f"CCHC_{name.upper()}")
        for name in _TYPES if name != "deadlines" and f"CCHC_{name.upper()}" in os.environ})
    given = {name: _typed(name, value, f"--{name}") for name, value in flags.items()
             if value is not None}
    return replace(settings, **given)


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
    if kind in ("Path", Path, "Path | None"):
        return Path(str(value))
    if kind in ("int", int):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: {value!r} is not a whole number") from None
        if number < 1:
            raise SettingsError(f"{where}: must be at least 1, not {number}")
        return number
    if name == "province":
        return _province(value, where)
    if name == "runner" and value not in RUNNERS:
        raise SettingsError(f"{where}: unknown runner {value!r}; use one of {', '.join(RUNNERS)}")
    return str(value)


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
