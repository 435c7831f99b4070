"""What the history check needs from the warehouse: the communes' current figures so far."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from cchc.transforms.history import HISTORY_COLUMNS


def history_frame(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> pd.DataFrame:
    """Current (accepted, not superseded) non-blank figures of these communes, every period."""
    codes = sorted(set(communes))
    if not codes:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return con.execute(
        "SELECT commune_code, period, code, value FROM main.observations "
        "WHERE value IS NOT NULL AND commune_code IN (SELECT unnest(?))", [codes]).df()
