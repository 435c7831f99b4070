"""The warehouse file: opening it, creating and upgrading its schema, refreshing reference data.

One DuckDB file holds everything. Base tables live in the schema ``core``; the analysts' views
(``warehouse/views.sql``) live in ``main`` so that they read as plain names. The schema is code:
``MIGRATIONS`` is an ordered list, ``core.schema_version`` records which ones a file has had, and
``connect`` applies the missing ones in one transaction, so every file is upgraded the same way and
a crash mid-upgrade leaves the old schema intact. Views and reference data (catalog, administrative
units, period rules) are not migrations: they are re-created whenever their text changes, which
``core.fingerprints`` detects, so an edit to a view or to reference/*.yaml reaches every warehouse.

DuckDB lets one process at a time open a file for writing, and while it does, every other process
fails to open it at all, read-only included. ``connect`` therefore retries for ``retry_seconds``
and then raises ``WarehouseBusy``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import duckdb
import pandas as pd

from cchc.errors import CchcError
from cchc.template.appendix import TEMPLATE_PATH, Template, load_template
from cchc.transforms import admin_units, periods
from cchc.warehouse.rollups import refresh_rollups

# Files are written in the storage format of DuckDB 1.5 so that analysts' older tools (the duckdb
# CLI on PyPI is 1.5.x) can open them; DuckDB 2.0 reads and writes that format too.
STORAGE_VERSION = "v1.5.0"
VIEWS_PATH = Path(__file__).resolve().parent / "views.sql"
_FIRST_RETRY, _MAX_RETRY = 0.05, 0.25
_LOCK_MESSAGE = re.compile(r"Could not set lock|Conflicting lock")
_PID = re.compile(r"\(PID (\d+)\)")


class WarehouseError(CchcError):
    """The warehouse file cannot be used as it is: missing, or of another cchc version."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file open for writing."""


# Each migration is a list of statements applied in one transaction with the others pending.
# Never edit one that has shipped: append a new one. Views are not here (see views.sql).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE core.runs (
            run_id VARCHAR PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            inbox VARCHAR,
            n_seen INTEGER, n_new INTEGER, n_accepted INTEGER, n_rejected INTEGER,
            n_quarantined INTEGER, n_duplicate INTEGER, n_superseded INTEGER,
            summary_md VARCHAR,
            docs_path VARCHAR,
            status VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed')))""",
        """CREATE TABLE core.files (
            sha256 VARCHAR PRIMARY KEY,
            size BIGINT NOT NULL,
            format VARCHAR,
            archive_path VARCHAR,
            first_seen_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL)""",
        """CREATE TABLE core.submissions (
            submission_id VARCHAR PRIMARY KEY,
            run_id VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            inbox_path VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            size BIGINT NOT NULL,
            mtime DOUBLE,
            received_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL CHECK (status IN
                ('accepted', 'rejected', 'superseded', 'quarantined', 'duplicate')),
            reason VARCHAR,
            report_id VARCHAR,
            duplicate_of VARCHAR,
            UNIQUE (inbox_path, sha256))""",
        """CREATE TABLE core.reports (
            report_id VARCHAR PRIMARY KEY,
            commune_code VARCHAR,
            district_code VARCHAR,
            province_code VARCHAR,
            period VARCHAR,
            period_start DATE,
            period_end DATE,
            cumulative BOOLEAN,
            report_date DATE,
            doc_number VARCHAR,
            format VARCHAR,
            received_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
            superseded_by VARCHAR)""",
        """CREATE TABLE core.observations (
            report_id VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            value DOUBLE,
            raw VARCHAR,
            unit VARCHAR,
            page INTEGER,
            sheet VARCHAR,
            cell VARCHAR,
            line INTEGER,
            present BOOLEAN NOT NULL,
            run_id VARCHAR NOT NULL,
            PRIMARY KEY (report_id, code))""",
        """CREATE TABLE core.issues (
            report_id VARCHAR,
            submission_id VARCHAR,
            rule VARCHAR NOT NULL,
            severity VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
            codes VARCHAR[] NOT NULL,
            message VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL)""",
        """CREATE TABLE core.admin_units (
            code VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            level VARCHAR NOT NULL,
            parent_code VARCHAR,
            district_code VARCHAR,
            province_code VARCHAR,
            PRIMARY KEY (level, code))""",
        """CREATE TABLE core.indicators (
            code VARCHAR PRIMARY KEY,
            position INTEGER NOT NULL,
            label VARCHAR NOT NULL,
            unit VARCHAR,
            kind VARCHAR NOT NULL,
            parent VARCHAR,
            aggregation VARCHAR,
            weight VARCHAR,
            choices MAP(INTEGER, VARCHAR),
            yes_code INTEGER,
            required BOOLEAN NOT NULL)""",
        """CREATE TABLE core.periods (
            period VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            cumulative BOOLEAN NOT NULL,
            label VARCHAR NOT NULL)""",
        """CREATE TABLE core.fingerprints (
            name VARCHAR PRIMARY KEY,
            sha256 VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL)""",
    ),
    # Issue 12, the 2025 map (two levels, codes reused): a unit is its code *and* its map, and
    # the lineage says which legacy communes went into which 2025 commune. Every report stored
    # so far was read on the legacy map. admin_units and admin_lineage are reference data,
    # refilled below: forgetting their fingerprints (and the views', which join them) makes
    # this same upgrade reload both and recompute the stored roll-ups.
    (
        "ALTER TABLE core.reports ADD COLUMN admin_map VARCHAR",
        "UPDATE core.reports SET admin_map = 'legacy'",
        "DROP TABLE core.admin_units",
        """CREATE TABLE core.admin_units (
            admin_map VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            level VARCHAR NOT NULL,
            parent_code VARCHAR,
            district_code VARCHAR,
            province_code VARCHAR,
            PRIMARY KEY (admin_map, level, code))""",
        """CREATE TABLE core.admin_lineage (
            old_code VARCHAR NOT NULL,
            new_code VARCHAR NOT NULL,
            whole BOOLEAN NOT NULL,
            is_default BOOLEAN NOT NULL,
            PRIMARY KEY (old_code, new_code))""",
        "DELETE FROM core.fingerprints WHERE name IN ('reference', 'views')",
    ),
    # Readings (cchc reprocess): a file's bytes may be read again by a later cchc or with
    # changed reference data, as a new report row; the earlier reading stays, marked reread_by.
    # A report records what it was read with; a submission the run that last read its file.
    (
        "ALTER TABLE core.reports ADD COLUMN sha256 VARCHAR",
        "UPDATE core.reports SET sha256 = report_id",
        "ALTER TABLE core.reports ADD COLUMN reading INTEGER DEFAULT 1",
        "ALTER TABLE core.reports ADD COLUMN cchc_version VARCHAR",
        "ALTER TABLE core.reports ADD COLUMN reference_sha256 VARCHAR",
        "ALTER TABLE core.reports ADD COLUMN reread_by VARCHAR",
        "ALTER TABLE core.submissions ADD COLUMN read_run_id VARCHAR",
        "UPDATE core.submissions SET read_run_id = run_id",
        "ALTER TABLE core.runs ADD COLUMN kind VARCHAR DEFAULT 'ingest'",
    ),
    # The officer's review desk (cchc web): accounts, every action taken on a report, and the
    # figures corrected. Nothing is deleted: an action is undone by another action, a corrected
    # value keeps the value read beside it, re-validated issues mark the ones they replace.
    (
        """CREATE TABLE core.users (
            name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
            password_hash VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE core.actions (
            action_id VARCHAR PRIMARY KEY,
            acted_at TIMESTAMP NOT NULL,
            user_name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('correct', 'accept', 'return', 'undo')),
            report_id VARCHAR NOT NULL,
            code VARCHAR,
            before VARCHAR,
            after VARCHAR,
            reason VARCHAR NOT NULL,
            undoes VARCHAR)""",
        """CREATE TABLE core.corrections (
            action_id VARCHAR PRIMARY KEY,
            report_id VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            value_read DOUBLE,
            value DOUBLE,
            user_name VARCHAR NOT NULL,
            corrected_at TIMESTAMP NOT NULL)""",
        "ALTER TABLE core.issues ADD COLUMN replaced_by VARCHAR",
        # A report's page reads its figures: 2 ms with this index, not 150 ms of scanning
        # 3 million rows (bench/desk.py, 50,000 reports).
        "CREATE INDEX observations_report ON core.observations (report_id)",
    ),
    # Where a figure was read, exactly enough to point at it: a ruled PDF value cell's box
    # (the desk outlines it on the rendered page), a Word table's number and row. Figures
    # loaded before have none; `cchc reprocess` reads their files again.
    (
        "ALTER TABLE core.observations ADD COLUMN bbox DOUBLE[]",
        "ALTER TABLE core.observations ADD COLUMN word_table INTEGER",
        "ALTER TABLE core.observations ADD COLUMN word_row INTEGER",
    ),
    # Reports that come in by themselves (issue 18): how each file reached the inbox
    # (arrivals: the office mailbox, the desk's upload, another way), the messages fetched
    # (never twice: UIDVALIDITY and UID), each pull of the mailbox, the addresses a commune
    # sends from, and every message cchc sent a commune. A submission says how it came.
    (
        """CREATE TABLE core.mail_messages (
            mail_id VARCHAR PRIMARY KEY,
            mailbox VARCHAR NOT NULL,
            uidvalidity BIGINT NOT NULL,
            uid BIGINT NOT NULL,
            message_id VARCHAR,
            sender VARCHAR,
            sender_name VARCHAR,
            reply_to VARCHAR,
            subject VARCHAR,
            sent_at TIMESTAMP,
            arrived_at TIMESTAMP NOT NULL,
            size BIGINT NOT NULL,
            fetched_at TIMESTAMP NOT NULL,
            automatic BOOLEAN NOT NULL,
            n_files INTEGER NOT NULL,
            reason VARCHAR,
            reply_wanted BOOLEAN NOT NULL,
            marked_at TIMESTAMP,
            UNIQUE (mailbox, uidvalidity, uid))""",
        """CREATE TABLE core.arrivals (
            inbox_path VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            received_via VARCHAR NOT NULL CHECK (received_via IN
                ('inbox', 'mailbox', 'upload', 'other')),
            arrived_at TIMESTAMP NOT NULL,
            mail_id VARCHAR,
            attachment_name VARCHAR,
            member_name VARCHAR,
            note VARCHAR,
            PRIMARY KEY (inbox_path, sha256))""",
        """CREATE TABLE core.mail_pulls (
            pull_id VARCHAR PRIMARY KEY,
            mailbox VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            ok BOOLEAN NOT NULL,
            n_messages INTEGER NOT NULL,
            n_files INTEGER NOT NULL,
            error VARCHAR)""",
        """CREATE TABLE core.commune_emails (
            address VARCHAR NOT NULL,
            admin_map VARCHAR NOT NULL,
            commune_code VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL,
            source VARCHAR NOT NULL,
            PRIMARY KEY (address, admin_map, commune_code))""",
        """CREATE TABLE core.mail_sent (
            sent_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL CHECK (kind IN ('reply', 'reminder')),
            mode VARCHAR NOT NULL CHECK (mode IN ('sent', 'dry-run', 'failed')),
            to_address VARCHAR NOT NULL,
            mail_id VARCHAR,
            admin_map VARCHAR,
            commune_code VARCHAR,
            period VARCHAR,
            subject VARCHAR NOT NULL,
            body VARCHAR NOT NULL,
            message_id VARCHAR NOT NULL,
            sent_at TIMESTAMP NOT NULL,
            eml_path VARCHAR,
            error VARCHAR)""",
        "ALTER TABLE core.submissions ADD COLUMN received_via VARCHAR DEFAULT 'inbox'",
    ),
    # A figure corrected twice kept the first correction as "read" when the file had left it
    # blank (issue 21: the desk took the value in force for the value read). What the file
    # said never changes: every correction of a figure keeps the first correction's reading.
    (
        """UPDATE core.corrections AS c SET value_read = f.first_read
           FROM (SELECT action_id, first_value(value_read) OVER (
                     PARTITION BY report_id, code ORDER BY corrected_at, action_id) AS first_read
                 FROM core.corrections) f
           WHERE f.action_id = c.action_id AND c.value_read IS DISTINCT FROM f.first_read""",
    ),
    # Commune accounts: a role bound to one unit (its map and code: codes were reused), which
    # uploads its own reports and sees nothing else. DuckDB cannot widen a CHECK in place, so
    # the table is copied into one that allows the role; every account is kept.
    (
        """CREATE TABLE core.users_v2 (
            name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL CHECK (role IN ('viewer', 'officer', 'admin', 'commune')),
            password_hash VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            admin_map VARCHAR,
            commune_code VARCHAR,
            CHECK ((role = 'commune') = (commune_code IS NOT NULL)))""",
        """INSERT INTO core.users_v2 SELECT name, role, password_hash, created_at, NULL, NULL
           FROM core.users""",
        "DROP TABLE core.users",
        "ALTER TABLE core.users_v2 RENAME TO users",
    ),
    # The return letters the desk made: the number, the deadline and the signer the officer
    # set (the deadline is the one the commune was given), for the return action they answer.
    (
        """CREATE TABLE core.letters (
            letter_id VARCHAR PRIMARY KEY,
            report_id VARCHAR NOT NULL,
            action_id VARCHAR NOT NULL,
            number VARCHAR NOT NULL,
            deadline DATE NOT NULL,
            signer_name VARCHAR NOT NULL,
            signer_title VARCHAR NOT NULL,
            made_by VARCHAR NOT NULL,
            made_at TIMESTAMP NOT NULL)""",
    ),
    # The template each report was read with, and the indicators of every template version
    # ever loaded, keyed by (template, version, code): a new version of the catalog adds its
    # rows beside the old ones, so a report read before it still finds its labels and kinds.
    # Everything read so far was read with the only template there was, Phụ lục 01b 2024.1.
    (
        "ALTER TABLE core.reports ADD COLUMN template VARCHAR",
        "ALTER TABLE core.reports ADD COLUMN template_version VARCHAR",
        "UPDATE core.reports SET template = 'Phụ lục 01b', template_version = '2024.1'",
        """CREATE TABLE core.templates (
            template VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            fingerprint VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            PRIMARY KEY (template, version))""",
        """CREATE TABLE core.template_indicators (
            template VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            label VARCHAR NOT NULL,
            unit VARCHAR,
            kind VARCHAR NOT NULL,
            parent VARCHAR,
            aggregation VARCHAR,
            weight VARCHAR,
            choices MAP(INTEGER, VARCHAR),
            yes_code INTEGER,
            required BOOLEAN NOT NULL,
            PRIMARY KEY (template, version, code))""",
        """INSERT INTO core.template_indicators
           SELECT 'Phụ lục 01b', '2024.1', code, position, label, unit, kind, parent,
                  aggregation, weight, choices, yes_code, required
           FROM core.indicators""",
        "DROP TABLE core.indicators",
    ),
)

_BOOTSTRAP = (
    "CREATE SCHEMA IF NOT EXISTS core",
    """CREATE TABLE IF NOT EXISTS core.schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TIMESTAMP NOT NULL)""",
)


def connect(path: str | Path, read_only: bool = False,
            retry_seconds: float = 0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating it and bringing it up to date when writing.

    A writer creates the file when it does not exist and applies pending migrations, views and
    reference data in one transaction. A reader changes nothing; it refuses a file that lacks
    migrations (its tables may not match the views). While another process holds the file,
    retry with backoff for ``retry_seconds`` (0 for the nightly writer, which should fail fast;
    ~30 for ``cchc query``), then raise ``WarehouseBusy``.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run the nightly load first, or pass the "
                             "path of an existing warehouse file")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, retry_seconds)
    try:
        con.execute("SET enable_progress_bar = false")
        if read_only:
            _check_version(con, path)
        else:
            upgrade(con, path)
    except BaseException:
        con.close()
        raise
    return con


def connect_for_analysts(path: str | Path,
                         retry_seconds: float = 0) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only, in a DuckDB that can reach nothing else: what ``cchc query``
    runs an analyst's SQL in.

    No file but the warehouse (``read_text``, ``read_csv``, ``COPY … TO``, ``ATTACH``), no URL,
    no extension installed or loaded, and the configuration locked so that SQL cannot undo it.
    The warehouse is attached to an in-memory database of its own rather than opened with
    these settings: DuckDB shares one instance per file within a process, and locking it down
    would lock down every other connection of the process to that file too.
    """
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run the nightly load first, or pass the "
                             "path of an existing warehouse file")
    con = _retrying(lambda: _locked_down(path), path, retry_seconds)
    try:
        _check_version(con, path)
    except BaseException:
        con.close()
        raise
    return con


_LOCKDOWN = (
    "SET enable_progress_bar = false",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def _locked_down(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        con.execute(f"ATTACH {_literal(str(path))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        for statement in _LOCKDOWN:
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _open(path: Path, read_only: bool, retry_seconds: float) -> duckdb.DuckDBPyConnection:
    # The same config on every open: DuckDB refuses a second connection in one process whose
    # config differs from the first's.
    return _retrying(lambda: duckdb.connect(
        str(path), read_only=read_only,
        config={"storage_compatibility_version": STORAGE_VERSION}), path, retry_seconds)


def _retrying(open_it: Callable[[], duckdb.DuckDBPyConnection], path: Path,
              retry_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline, pause = time.monotonic() + retry_seconds, _FIRST_RETRY
    while True:
        try:
            return open_it()
        except duckdb.IOException as exc:
            if not _LOCK_MESSAGE.search(str(exc)):
                raise
            if time.monotonic() + pause > deadline:
                raise WarehouseBusy(_busy_message(path, str(exc), retry_seconds)) from None
            time.sleep(pause)
            pause = min(pause * 2, _MAX_RETRY)


def _busy_message(path: Path, error: str, waited: float) -> str:
    pid = _PID.search(error)
    holder = f"another cchc process (PID {pid.group(1)})" if pid else "another cchc process"
    return (f"warehouse {path} is busy: {holder} holds it for writing (waited {waited:g}s); "
            "run the command again once it has finished (the nightly load releases it between "
            "reports), or stop that process")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """How many migrations the open file has had (0 for a new file)."""
    found = con.execute("""SELECT count(*) FROM duckdb_tables()
                           WHERE schema_name = 'core' AND table_name = 'schema_version'""")
    if found.fetchone()[0] == 0:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM core.schema_version").fetchone()[0]


def _check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    version = schema_version(con)
    if version < len(MIGRATIONS):
        raise WarehouseError(
            f"warehouse {path} has schema version {version}, this cchc needs {len(MIGRATIONS)}: "
            "run the nightly load (a writer) once to upgrade it")


def upgrade(con: duckdb.DuckDBPyConnection, path: Path | str = "") -> list[int]:
    """Apply pending migrations, then re-create views and reference data if their text changed.

    All in one transaction; returns the versions applied. Refuses a file from a newer cchc
    rather than write into a schema it does not know.
    """
    with transaction(con):
        for statement in _BOOTSTRAP:
            con.execute(statement)
        version = schema_version(con)
        if version > len(MIGRATIONS):
            raise WarehouseError(
                f"warehouse {path} has schema version {version}, newer than this cchc knows "
                f"({len(MIGRATIONS)}): upgrade cchc before writing to it")
        applied = list(range(version + 1, len(MIGRATIONS) + 1))
        for number in applied:
            for statement in MIGRATIONS[number - 1]:
                con.execute(statement)
            con.execute("INSERT INTO core.schema_version VALUES (?, current_localtimestamp())",
                        [number])
        fingerprints = _stored_fingerprints(con)
        new_reference = fingerprints.get("reference") != reference_fingerprint()
        if new_reference:
            _write_reference(con)
        if fingerprints.get("views") != _sha256(VIEWS_PATH.read_bytes()):
            _write_views(con)  # which computes the stored roll-ups afresh
        elif new_reference:  # the units expected, the lineage, the indicators may all differ
            refresh_rollups(con)
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any exception: a unit that lands whole or not at all."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def view_statements() -> list[str]:
    """The statements of views.sql, in order (split at semicolons that end a line)."""
    text = "\n".join(line for line in VIEWS_PATH.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*$", text, flags=re.MULTILINE) if s.strip()]


def _write_views(con: duckdb.DuckDBPyConnection) -> None:
    for statement in view_statements():
        con.execute(statement)
    _set_fingerprint(con, "views", _sha256(VIEWS_PATH.read_bytes()))


def refresh_reference(con: duckdb.DuckDBPyConnection, template: Template | None = None) -> None:
    """Reload the template's indicators (``template``, else the shipped one; other versions
    stay), administrative units (both maps and their lineage) and period rules from reference/,
    and the stored roll-ups that depend on them (one transaction).

    ``connect`` already does this when the files changed; call it to force a reload.
    """
    with transaction(con):
        _write_reference(con, template)
        refresh_rollups(con)


def reference_fingerprint() -> str:
    """SHA-256 over every file of reference/ (the template and its files, both maps, the
    lineage, the periods): a change means reload. Read on every writer's connect, so it hashes
    bytes and parses nothing."""
    paths = sorted(p for p in TEMPLATE_PATH.parent.iterdir() if p.suffix in (".yaml", ".csv"))
    return _sha256(b"".join(_sha256(p.read_bytes()).encode() for p in paths))


def _write_reference(con: duckdb.DuckDBPyConnection, template: Template | None = None) -> None:
    """Copy the reference files into the warehouse: both maps, the lineage, the periods, and
    the template's indicators under its name and version (those of other versions stay)."""
    template = template or load_template()
    units = pd.DataFrame([asdict(u) for admin_map in admin_units.MAPS
                          for level in admin_units.LEVELS
                          for u in admin_units.units(level, admin_map)])
    con.register("units_df", units)
    con.execute("DELETE FROM core.admin_units")
    con.execute("INSERT INTO core.admin_units BY NAME SELECT * FROM units_df")
    con.unregister("units_df")
    lineage = pd.DataFrame([asdict(row) for row in admin_units.lineage()],
                           columns=["old_code", "new_code", "whole", "is_default"])
    con.register("lineage_df", lineage)
    con.execute("DELETE FROM core.admin_lineage")
    con.execute("INSERT INTO core.admin_lineage BY NAME SELECT * FROM lineage_df")
    con.unregister("lineage_df")
    con.register("indicators_df", _indicator_frame(template))
    con.execute("DELETE FROM core.template_indicators WHERE template = ? AND version = ?",
                [template.name, template.version])
    con.execute("""INSERT INTO core.template_indicators BY NAME
                   SELECT * EXCLUDE (choice_codes, choice_labels),
                          CASE WHEN len(choice_codes) > 0
                               THEN map(choice_codes::INTEGER[], choice_labels::VARCHAR[])
                          END AS choices
                   FROM indicators_df""")
    con.unregister("indicators_df")
    con.execute("""INSERT OR REPLACE INTO core.templates
                   VALUES (?, ?, ?, current_localtimestamp())""",
                [template.name, template.version, template.fingerprint])
    keys = [row[0] for row in con.execute("SELECT period FROM core.periods").fetchall()]
    for key in keys:
        write_period(con, key)
    _set_fingerprint(con, "reference", reference_fingerprint())


def _indicator_frame(template: Template) -> pd.DataFrame:
    rows = [{
        "template": template.name, "version": template.version, "code": i.code,
        "position": position, "label": i.label, "unit": i.unit,
        "kind": i.kind, "parent": i.parent, "aggregation": i.aggregation, "weight": i.weight,
        "choice_codes": list(i.choices), "choice_labels": list(i.choices.values()),
        "yes_code": i.yes_code, "required": i.required,
    } for position, i in enumerate(template.indicators, start=1)]
    frame = pd.DataFrame(rows)
    frame["yes_code"] = frame["yes_code"].astype("Int64")
    return frame


def write_period(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Insert or refresh one period's row in core.periods (from reference/periods.yaml)."""
    p = periods.parse_period(key)
    con.execute("INSERT OR REPLACE INTO core.periods VALUES (?, ?, ?, ?, ?, ?, ?)",
                [p.key, p.kind, p.year, p.start, p.end, p.cumulative, p.label])


def _stored_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT name, sha256 FROM core.fingerprints").fetchall())


def _set_fingerprint(con: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO core.fingerprints VALUES (?, ?, current_localtimestamp())",
                [name, value])


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
