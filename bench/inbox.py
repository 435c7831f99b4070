"""A province's night of reports for the benchmark: N files from real communes of Thanh Hóa.

The mix is what a province inbox holds: about 60 % PDFs exported from Word, 25 % workbooks,
10 % workbooks printed to PDF, 5 % text taken from a PDF. Every file is a different commune and
period (communes of province 38 from reference/admin_units.csv × eight periods of 2023-2024)
with its own seeded figures, rendered by the fixture generator (tests/fixtures): DOCX and
printed workbooks go through LibreOffice, 200 files per ``soffice --convert-to pdf`` call;
workbooks are written by openpyxl (tests/fixtures/excel_offline.py); text is read back from a
Word PDF.

Rendering is the slow part (about 0.3 s a document in soffice), so the rendered files are kept
under ``bench/out/cache/n{N}-s{SEED}-v{VERSION}/`` and a rerun only copies them into the inbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from cchc.transforms.admin_units import communes_of, districts_of
from cchc.transforms.admin_units import unit as admin_unit
from tests.fixtures.excel import ExcelLook, write_workbook
from tests.fixtures.excel_offline import xlsx_bytes
from tests.fixtures.plaintext import report_text
from tests.fixtures.specs import (
    ReportSpec,
    draw_values,
    make_consistent,
    months_covered,
    narrative_figures,
    usual_window,
)
from tests.fixtures.word import WordLook, write_docx

VERSION = 1  # bump when the plan or the rendering changes, so that old caches are not reused
PROVINCE = "38"
PERIODS = tuple(f"{year}-{kind}" for year in (2023, 2024) for kind in ("Q1", "H1", "9M", "FY"))
MIX = (("word_pdf", 0.60), ("xlsx", 0.25), ("excel_pdf", 0.10), ("txt", 0.05))
SUFFIX = {"word_pdf": ".pdf", "xlsx": ".xlsx", "excel_pdf": ".pdf", "txt": ".txt"}
SOFFICE_BATCH = 200  # files per soffice process
SOFFICE_SECONDS_PER_FILE = 3  # timeout budget of one soffice call

WORD_LOOKS = (
    WordLook(),
    WordLook(notes=True),
    WordLook(page_numbers=True, column_numbers=True),
    WordLook(title="one_sentence", percent_signs=True),
    WordLook(title="year_next_line", page_numbers=True),
    WordLook(retyped_labels=True, notes=True),
)
EXCEL_LOOKS = (
    ExcelLook(),
    ExcelLook(text_numbers=True, blank_as_space=True, attached_to_report=True),
    ExcelLook(sheets_before=("Hướng dẫn",), percent_format=True, codes_as_numbers=True),
    ExcelLook(sheet_name="Phụ lục 01b", sheets_before=("Báo cáo",), first_column=2,
              attached_to_report=True),
    ExcelLook(sheet_name="Sheet1", sheets_before=("Hướng dẫn",), codes_as_numbers=True,
              text_numbers=True, borders="frame_and_columns"),
    ExcelLook(borders="left_columns", percent_format=True, attached_to_report=True),
)
_NAMES = (("Nguyễn", "Lê", "Trịnh", "Phạm", "Hoàng", "Đỗ", "Vũ", "Mai", "Lương", "Bùi"),
          ("Văn", "Đình", "Minh", "Xuân", "Thị", "Hữu", "Ngọc", "Bá"),
          ("Hùng", "Dũng", "Thắng", "Hải", "Nam", "Lan", "Hương", "Tuấn", "Bình", "Sơn"))


@dataclass(frozen=True)
class Planned:
    """One file of the inbox: its name, kind (a key of MIX), figures and look."""

    name: str
    kind: str
    spec: ReportSpec
    look: WordLook | ExcelLook
    reader: str = "pdfplumber"  # for txt: which PDF text reader it was taken with
    windows: bool = False  # for txt: saved by Notepad (BOM, CRLF)


@dataclass(frozen=True)
class Inbox:
    path: Path
    files: tuple[Planned, ...]
    rendered_in: float  # seconds spent rendering (0 when the cache was used)
    cache: Path

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for planned in self.files:
            found[planned.kind] = found.get(planned.kind, 0) + 1
        return found


def plan(n: int, seed: int) -> list[Planned]:
    """N distinct (commune, period) reports of province 38, in the MIX, seeded."""
    rng = random.Random(f"bench/{seed}")
    communes = [c for d in districts_of(PROVINCE) for c in communes_of(d.code)]
    pairs = [(c, p) for c in communes for p in PERIODS]
    if n > len(pairs):
        raise ValueError(f"N={n}: at most {len(pairs)} distinct commune-period reports")
    rng.shuffle(pairs)
    kinds = [kind for kind, share in MIX for _ in range(round(share * n))]
    kinds = (kinds + ["word_pdf"] * n)[:n]
    rng.shuffle(kinds)
    files = []
    for (commune, period), kind in zip(pairs[:n], kinds, strict=True):
        spec = _spec(commune, period, rng, seed)
        name = f"BC_CCHC_{commune.code}_{period}_{kind}{SUFFIX[kind]}"
        if kind in ("xlsx", "excel_pdf"):
            look = rng.choice(EXCEL_LOOKS)
            if not look.attached_to_report:
                spec = replace(spec, report_date=None, doc_number=None)
            files.append(Planned(name, kind, spec, look))
        else:
            files.append(Planned(name, kind, spec, rng.choice(WORD_LOOKS),
                                 reader=rng.choice(("pdfplumber", "pdfium")),
                                 windows=rng.random() < 0.5))
    return files


def _spec(commune, period: str, rng: random.Random, seed: int) -> ReportSpec:
    values = make_consistent(draw_values(random.Random(f"bench/{seed}/{commune.code}/{period}"),
                                         period))
    year, month = int(period[:4]), months_covered(period)
    district = admin_unit(commune.district_code, "district")
    dated = rng.random() < 0.7
    return ReportSpec(
        commune_code=commune.code, commune_name=commune.name,
        commune_type=commune.type.capitalize(), district_code=district.code,
        district_name=district.name, province_code=PROVINCE, period=period,
        report_date=date(year, month, rng.randint(12, 16)) if dated else None,
        doc_number=f"{rng.randint(10, 150)}/BC-UBND" if dated and rng.random() < 0.8 else None,
        window=usual_window(period), values=values, narrative=narrative_figures(values),
        chairman=" ".join(random.Random(f"chairman/{commune.code}").choice(names)
                          for names in _NAMES))


def build(inbox: Path, n: int, seed: int, cache_root: Path, log=print) -> Inbox:
    """Write the inbox (replacing it), rendering into the cache first when it is not there."""
    files = plan(n, seed)
    key = hashlib.sha256("\n".join(f.name for f in files).encode()).hexdigest()[:8]
    cache = cache_root / f"n{n}-s{seed}-v{VERSION}-{key}"
    rendered_in = 0.0
    if not (cache / "manifest.json").is_file():
        log(f"rendering {n} reports into {cache} (once; later runs reuse it)")
        started = time.perf_counter()
        _render(files, cache, log)
        rendered_in = time.perf_counter() - started
        (cache / "manifest.json").write_text(json.dumps(
            {"n": n, "seed": seed, "version": VERSION, "seconds": round(rendered_in, 1),
             "files": [[f.name, f.kind, f.spec.commune_code, f.spec.period] for f in files]},
            ensure_ascii=False, indent=0), encoding="utf-8")
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    arrival = datetime(2024, 12, 20, 7, 30).timestamp()
    for number, planned in enumerate(files):
        target = inbox / planned.name
        shutil.copyfile(cache / planned.name, target)
        os.utime(target, (arrival + 60 * number, arrival + 60 * number))
    return Inbox(inbox, tuple(files), rendered_in, cache)


def _render(files: list[Planned], cache: Path, log) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchc_bench_") as scratch:
        sources = Path(scratch) / "src"
        sources.mkdir()
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            jobs = [pool.submit(_write_source, planned, sources, cache) for planned in files]
            to_convert = [path for job in jobs if (path := job.result()) is not None]
        log(f"  wrote {len(files)} sources in {time.perf_counter() - started:.1f} s; "
            f"converting {len(to_convert)} with soffice, {SOFFICE_BATCH} per call")
        started = time.perf_counter()
        pdfs = Path(scratch) / "pdf"
        _soffice_to_pdf(to_convert, pdfs)
        log(f"  soffice: {len(to_convert)} PDFs in {time.perf_counter() - started:.1f} s "
            f"({(time.perf_counter() - started) / max(len(to_convert), 1):.2f} s each)")
        for planned in files:
            if planned.kind in ("word_pdf", "excel_pdf"):
                shutil.copyfile(pdfs / f"{Path(planned.name).stem}.pdf", cache / planned.name)
            elif planned.kind == "txt":
                _write_text(planned, pdfs / f"{Path(planned.name).stem}.pdf", cache)


def _write_source(planned: Planned, sources: Path, cache: Path) -> Path | None:
    """The file soffice converts (DOCX or XLSX), or the finished workbook (None to convert)."""
    stem = Path(planned.name).stem
    if planned.kind in ("word_pdf", "txt"):
        path = sources / f"{stem}.docx"
        write_docx(planned.spec, planned.look, path)
        return path
    if planned.kind == "excel_pdf":
        path = sources / f"{stem}.xlsx"
        write_workbook(planned.spec, planned.look, path)
        return path
    saved_at = datetime.combine(planned.spec.report_date or date(planned.spec.year, 12, 1),
                                datetime.min.time()) + timedelta(hours=16)
    (cache / planned.name).write_bytes(xlsx_bytes(planned.spec, planned.look, saved_at))
    return None


def _write_text(planned: Planned, pdf: Path, cache: Path) -> None:
    text = report_text(pdf, planned.reader, seed=planned.name)
    if planned.windows:
        (cache / planned.name).write_text(text, encoding="utf-8-sig", newline="\r\n")
    else:
        (cache / planned.name).write_text(text, encoding="utf-8")


def _soffice_to_pdf(sources: list[Path], outdir: Path) -> None:
    """A few soffice processes convert them all: one per SOFFICE_BATCH files (starting
    LibreOffice costs seconds; one process given 1,500 files stopped after about 250, with
    exit status 0). What a batch missed is converted again once."""
    for start in range(0, len(sources), SOFFICE_BATCH):
        batch = sources[start:start + SOFFICE_BATCH]
        _soffice_batch(batch, outdir)
        missed = [s for s in batch if not (outdir / f"{s.stem}.pdf").is_file()]
        if missed:
            _soffice_batch(missed, outdir)
    missing = [s.name for s in sources if not (outdir / f"{s.stem}.pdf").is_file()]
    if missing:
        raise RuntimeError(f"soffice did not convert {len(missing)} files: {missing[:5]}")


def _soffice_batch(sources: list[Path], outdir: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-writer "
                         "libreoffice-calc fonts-liberation2 (only rendering needs it; a "
                         "rendered cache under bench/out/cache is reused without it)")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo_profile_") as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)],
            check=True, capture_output=True,
            timeout=120 + SOFFICE_SECONDS_PER_FILE * len(sources))
