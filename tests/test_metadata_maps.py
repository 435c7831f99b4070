"""Reading a report on the administrative map in force when it was written, and settling names
that several communes share by the province the text names, else the inbox's setting."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cchc.template.raw import Place, RawReport, TextLine
from cchc.transforms.metadata import read, read_metadata
from cchc.transforms.report import build_report
from tests.shipped import TEMPLATE


def report(*lines: str, title: str = "") -> RawReport:
    return RawReport("txt", tuple(TextLine(t, Place(line=n)) for n, t in enumerate(lines, 1)),
                     (), title)


NEW_HEAD = ("ỦY BAN NHÂN DÂN", "XÃ HOẰNG HÓA", "Số: 45/BC-UBND")


def meta_tuple(meta):
    return (meta.commune_code, meta.commune_name, meta.district_code, meta.province_code,
            meta.period, meta.admin_map)


def test_post_reform_letterhead_without_a_district_line():
    meta = read_metadata(report(*NEW_HEAD, "Hoằng Hóa, ngày 15 tháng 12 năm 2025", "BÁO CÁO",
                                "Kết quả công tác cải cách hành chính năm 2025"))
    assert meta_tuple(meta) == ("15865", "Xã Hoằng Hóa", None, "38", "2025-FY", "2025")
    assert meta.district_name is None


@pytest.mark.parametrize(("period_line", "period", "admin_map", "code", "name", "district"), [
    # no report date: the map in force at the period's end (2025-H1 ends on 2025-06-14)
    ("9 tháng đầu năm 2025", "2025-9M", "2025", "15961", "Xã Hoằng Lộc", None),
    ("6 tháng đầu năm 2025", "2025-H1", "legacy", "15964", "Xã Hoằng Lộc", "399"),
    ("năm 2024", "2024-FY", "legacy", "15964", "Xã Hoằng Lộc", "399"),
])
def test_the_map_follows_the_period_when_the_date_is_blank(period_line, period, admin_map, code,
                                                           name, district):
    meta = read_metadata(report("UBND HUYỆN HOẰNG HÓA", "UBND XÃ HOẰNG LỘC",
                                "Hoằng Lộc, ngày   tháng   năm", "BÁO CÁO",
                                f"Kết quả công tác CCHC {period_line}"))
    assert meta_tuple(meta) == (code, name, district, "38", period, admin_map)


def test_a_late_h1_report_dated_in_july_is_on_the_new_map():
    meta = read_metadata(report("ỦY BAN NHÂN DÂN", "XÃ HOẰNG TIẾN",
                                "Hoằng Tiến, ngày 10 tháng 7 năm 2025", "BÁO CÁO",
                                "Kết quả công tác CCHC 6 tháng đầu năm 2025"))
    assert meta_tuple(meta) == ("15991", "Xã Hoằng Tiến", None, "38", "2025-H1", "2025")


def test_an_old_commune_named_after_the_reform_is_not_filed():
    """Xã Hoằng Đức merged into Xã Hoằng Hóa: a report dated after 1 July 2025 cannot be its."""
    meta = read_metadata(report("UBND HUYỆN HOẰNG HÓA", "UBND XÃ HOẰNG ĐỨC",
                                "Hoằng Đức, ngày 5 tháng 10 năm 2025", "BÁO CÁO",
                                "Kết quả công tác CCHC 9 tháng đầu năm 2025"))
    assert meta.commune_code is None and meta.admin_map is None


NEW_MINH_SON = ("ỦY BAN NHÂN DÂN", "XÃ MINH SƠN", "Minh Sơn, ngày 20 tháng 9 năm 2025",
                "BÁO CÁO", "Kết quả công tác CCHC 9 tháng đầu năm 2025")


def test_a_name_in_two_provinces_is_rejected_listing_both():
    built = build_report(report(*NEW_MINH_SON), TEMPLATE, "x.txt", "0" * 64)
    assert built.meta.commune_code is None
    issue = next(i for i in built.issues if i.rule == "meta.commune")
    assert issue.severity == "error"
    assert "«XÃ MINH SƠN»" in issue.message
    assert "Xã Minh Sơn (mã 982, Tỉnh Tuyên Quang)" in issue.message
    assert "Xã Minh Sơn (mã 15124, Tỉnh Thanh Hóa)" in issue.message
    assert "--province" in issue.message


def test_the_inbox_province_settles_it():
    meta = read_metadata(report(*NEW_MINH_SON), province="38")
    assert meta_tuple(meta) == ("15124", "Xã Minh Sơn", None, "38", "2025-9M", "2025")
    assert read_metadata(report(*NEW_MINH_SON), province="8").commune_code == "982"


def test_the_province_named_in_the_text_wins_over_the_setting():
    lines = ("UBND TỈNH TUYÊN QUANG", *NEW_MINH_SON)
    assert read_metadata(report(*lines)).commune_code == "982"
    assert read_metadata(report(*lines), province="38").commune_code == "982"


def test_a_unique_name_is_never_overridden_by_the_setting():
    meta = read_metadata(report(*NEW_HEAD, "BÁO CÁO", "Kết quả công tác CCHC năm 2025"),
                         province="8")
    assert meta.commune_code == "15865"


def test_printed_workbook_without_a_district_line_settled_by_the_setting():
    lines = ("UBND XÃ XUÂN GIANG", "BÁO CÁO", "Kết quả công tác CCHC quý I năm 2024")
    assert read_metadata(report(*lines)).commune_code is None
    meta = read_metadata(report(*lines), province="38")
    assert meta_tuple(meta) == ("15526", "Xã Xuân Giang", "395", "38", "2024-Q1", "legacy")
    assert len(read(report(*lines)).candidates) == 5


def test_two_communes_of_one_name_in_one_district_stay_unsettled():
    lines = ("UBND THÀNH PHỐ THANH HÓA", "UBND XÃ ĐÔNG KHÊ", "BÁO CÁO",
             "Kết quả công tác CCHC quý I năm 2024")
    built = build_report(report(*lines), TEMPLATE, "x.txt", "0" * 64, province="38")
    assert built.meta.commune_code is None
    message = next(i.message for i in built.issues if i.rule == "meta.commune")
    assert "Xã Đông Khê (mã 16387, Thành phố Thanh Hóa, Tỉnh Thanh Hóa)" in message
    assert "Xã Đông Khê (mã 16408, Thành phố Thanh Hóa, Tỉnh Thanh Hóa)" in message


def clean_env() -> dict[str, str]:
    """This process's environment without any CCHC_* setting that could decide for the test."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}


def cchc(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc.cli", *args], capture_output=True,
                          text=True, env=clean_env() if env is None else env, cwd=cwd,
                          check=False)


SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"


def seed_as_minh_son(path: Path, province_named: bool) -> Path:
    """The seed's body and appendix under a post-reform Xã Minh Sơn letterhead; the body names
    its province once ("… trên địa bàn tỉnh Thanh Hóa giai đoạn 2021-2025"), which settles the
    name, so the unsettled copy leaves that out."""
    body = SEED.read_text(encoding="utf-8").splitlines()[13:]
    if not province_named:
        body = [line.replace("tỉnh Thanh Hóa", "tỉnh") for line in body]
    path.write_text("\n".join([*NEW_MINH_SON, *body]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def minh_son(tmp_path):
    return seed_as_minh_son(tmp_path / "minh_son.txt", province_named=False)


def test_cli_the_province_the_narrative_names_settles_it(tmp_path):
    named = seed_as_minh_son(tmp_path / "minh_son.txt", province_named=True)
    found = json.loads(cchc("extract", str(named), "--json", "--province", "8",
                            cwd=tmp_path).stdout)["report"]
    assert (found["commune_code"], found["province_code"]) == ("15124", "38")


def test_cli_province_flag_environment_and_file(minh_son, tmp_path):
    env = clean_env()
    plain = json.loads(cchc("extract", str(minh_son), "--json", env=env, cwd=tmp_path).stdout)
    assert plain["report"]["commune_code"] is None
    (tmp_path / "cchc.toml").write_text('province = "8"\n', encoding="utf-8")
    by_file = json.loads(cchc("extract", str(minh_son), "--json", env=env, cwd=tmp_path).stdout)
    assert by_file["report"]["commune_code"] == "982"
    by_env = json.loads(cchc("extract", str(minh_son), "--json", cwd=tmp_path,
                             env={**env, "CCHC_PROVINCE": "038"}).stdout)
    assert by_env["report"]["commune_code"] == "15124"
    by_flag = json.loads(cchc("extract", str(minh_son), "--json", "--province", "8",
                              cwd=tmp_path, env={**env, "CCHC_PROVINCE": "38"}).stdout)
    found = by_flag["report"]
    assert (found["commune_code"], found["admin_map"], found["district_code"],
            found["province_code"]) == ("982", "2025", None, "8")


def test_cli_refuses_an_unknown_province(minh_son, tmp_path):
    result = cchc("extract", str(minh_son), "--province", "99", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "cchc: --province: '99' is not a province's GSO code (e.g. 38 for Tỉnh Thanh Hóa; the "
        "codes are in reference/admin_units.csv)")


def test_readable_table_names_the_map_and_no_district_on_the_new_one():
    reform = Path(__file__).parent / "fixtures" / "reform"
    new = cchc("extract", str(reform / "txt_15961_2025-FY.txt")).stdout.splitlines()[1]
    old = cchc("extract", str(reform / "txt_15961_2024-FY.txt")).stdout.splitlines()[1]
    assert new == "Commune:  Xã Hoằng Lộc (15961), province 38, map 2025"
    assert old == ("Commune:  Xã Hoằng Thành (15961), Huyện Hoằng Hóa (399), province 38, "
                   "map legacy")


def test_cli_validate_takes_the_province_too(minh_son, tmp_path):
    unsettled = cchc("validate", str(minh_son), "--json", cwd=tmp_path)
    assert unsettled.returncode == 1
    rules = [i["rule"] for i in json.loads(unsettled.stdout)["issues"]]
    assert "meta.commune" in rules
    settled = cchc("validate", str(minh_son), "--json", "--province", "38", cwd=tmp_path)
    document = json.loads(settled.stdout)
    assert document["report"]["commune_code"] == "15124"
    assert "meta.commune" not in [i["rule"] for i in document["issues"]]
    assert settled.returncode == 0, document["issues"]
