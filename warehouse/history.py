"""What the history check needs from the warehouse: the communes' figures so far.

A commune is its code on its map (codes were reused by the 2025 map). A 2025 commune's past is
its own 2025-map figures plus, for the periods before it existed, its predecessors' sum from
``successor_rollup``, and only where that sum stands for the same area and is whole: no
predecessor split (``comparable``) and every predecessor reported the figure. A partial or split
sum would make a true figure look like an outlier; one predecessor alone is never its past.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from cchc.transforms.history import HISTORY_COLUMNS


def history_frame(con: duckdb.DuckDBPyConnection,
                  communes: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """Past non-blank figures of these (admin_map, commune_code) communes, every period:
    current reports on their own map, and comparable predecessor sums for 2025 communes."""
    wanted = set(communes)
    legacy = sorted(code for admin_map, code in wanted if admin_map == "legacy")
    new = sorted(code for admin_map, code in wanted if admin_map == "2025")
    if not wanted:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return con.execute("""
        SELECT admin_map, commune_code, period, code, value FROM main.observations
        WHERE value IS NOT NULL
          AND ((admin_map = 'legacy' AND commune_code IN (SELECT unnest($legacy::VARCHAR[])))
               OR (admin_map = '2025' AND commune_code IN (SELECT unnest($new::VARCHAR[]))))
        UNION ALL
        SELECT '2025', new_commune_code, period, code, value FROM main.successor_rollup
        WHERE value IS NOT NULL AND comparable AND n_reporting = n_expected
          AND new_commune_code IN (SELECT unnest($new::VARCHAR[]))""",
                       {"legacy": legacy, "new": new}).df()
