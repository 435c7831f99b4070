"""The inbox's province setting reaches the extraction processes of a real ingest: a printed
workbook's commune name without its district is filed under the province's commune, and
without the setting it is rejected listing the candidates."""

from pathlib import Path

import duckdb
import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"


def inbox_with_xuan_giang(inbox: Path) -> None:
    """The seed under "UBND XÃ XUÂN GIANG" with no district line: five communes of that name.
    Its one naming of the province ("… trên địa bàn tỉnh Thanh Hóa …") is taken out, since the
    report's own text would settle the name (test_narrative_settles.py): here only the inbox's
    setting may."""
    text = SEED.read_text(encoding="utf-8")
    assert text.count("tỉnh Thanh Hóa") == 1
    lines = text.replace("THỊ TRẤN BÚT SƠN", "XÃ XUÂN GIANG").replace(
        "tỉnh Thanh Hóa", "tỉnh").splitlines()
    assert "Bút Sơn" in lines[4]  # the place-and-date line names the commune too
    place = "Số:      /BC-UBND      Xuân Giang, ngày 13 tháng 9 năm 2024"
    inbox.mkdir(parents=True)
    (inbox / "xuan_giang.txt").write_text("\n".join([*lines[:4], place, *lines[5:]]) + "\n",
                                          encoding="utf-8")


@pytest.mark.parametrize(("province", "status", "commune"), [
    ("38", "accepted", "15526"),
    (None, "rejected", None),
])
def test_ingest_settles_a_shared_name_with_the_province(tmp_path, prefect_harness, province,
                                                        status, commune):
    settings = Settings(inbox=tmp_path / "inbox", db=tmp_path / "cchc.duckdb",
                        archive=tmp_path / "archive", docs=tmp_path / "docs", province=province)
    inbox_with_xuan_giang(settings.inbox)
    run_ingest(settings)
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        assert con.execute("SELECT status, commune_code FROM reports").fetchall() == [
            (status, commune)]
        messages = [m for (m,) in con.execute("SELECT message FROM issues "
                                             "WHERE rule = 'meta.commune'").fetchall()]
    finally:
        con.close()
    if province is None:
        assert len(messages) == 1
        assert "Xã Xuân Giang (mã 15526, Huyện Thọ Xuân, Tỉnh Thanh Hóa)" in messages[0]
    else:
        assert messages == []
