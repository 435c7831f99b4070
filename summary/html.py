"""The summary as one self-contained HTML page in Vietnamese: inline CSS and SVG, no script,
nothing fetched, so it opens offline and prints as it shows.

The markup lives in ``summary/templates`` (Jinja2, autoescape on, the desk's ``_table.html``
partial): this module only prepares plain data for it, so commune names, file names, issue
messages and document numbers are escaped by the template and no caller is responsible for it.
The charts are the one piece of ready markup (see ``_chart``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup

from cchc import shown
from cchc.summary import charts, compare, fmt
from cchc.summary.model import Commune, RateValue, Summary
from cchc.summary.rates import compute_all
from cchc.templating import environment


@dataclass(frozen=True)
class Card:
    """One headline figure: ``value`` goes in data-value for machines, ``shown`` for people."""

    key: str
    value: float | None
    shown: str
    what: str
    detail: str


@dataclass(frozen=True)
class MissingGroup:
    """A district's communes that have not reported; ``silent`` when none of its communes has
    sent anything at all (it may simply not use cchc yet)."""

    name: str
    communes: tuple[Commune, ...]
    silent: bool


def write_html(summary: Summary, path: Path) -> None:
    """Write the page to ``path`` (UTF-8)."""
    path.write_text(render(summary), encoding="utf-8")


def render(summary: Summary) -> str:
    """The whole page as text."""
    return _environment().get_template("summary.html").render(
        s=summary, title=f"Tổng hợp báo cáo CCHC — {summary.area.name} — {summary.period.label}",
        cards=headline(summary),
        missing=[c for c in summary.communes if c.status == "missing"],
        missing_by_district=missing_by_district(summary) if summary.area.by_district else [],
        rejected=[c for c in summary.communes if c.status == "rejected"],
        late=[c for c in summary.communes if c.timeliness == "late"],
        figures=comparisons(summary), year_before=year_before(summary),
        follow_up=follow_up(summary)) + "\n"


@cache
def _environment() -> Environment:
    env = environment("cchc.summary")
    env.filters.update(number=shown.number, percent=shown.percent, day=shown.day,
                       moment=shown.moment, data=_data_value)
    env.globals.update(reporting=fmt.reporting, change=compare.difference, figure=_figure,
                       NONE=shown.NONE, FOLLOW_UP=fmt.FOLLOW_UP)
    return env


def _chart(svg: str) -> Markup:
    """The one place markup enters the page unescaped. ``charts`` draws the SVG as text and
    escapes every name and label it writes into it (tests/test_summary.py checks that); escaping
    it again here would print the SVG source instead of the chart."""
    return Markup(svg)


def _data_value(value: float | None) -> str:
    """A figure as a data- attribute: exact, for machines and tests; blank when there is none."""
    return "" if value is None else repr(float(value))


def _figure(value: float | None, kind: str) -> str:
    return shown.percent(value, 2) if kind == "percent" else shown.number(value)


def headline(summary: Summary) -> list[Card]:
    """The four figures the officer is asked for first."""
    dossiers = summary.line(summary.template.summary.dossiers)
    rejected = sum(1 for c in summary.communes if c.status == "rejected")
    missing = sum(1 for c in summary.communes if c.status == "missing")
    cards = [
        Card("submitted", summary.n_submitted,
             fmt.reporting(summary.n_submitted, summary.n_expected),
             "xã, thị trấn đã gửi báo cáo", f"bị trả lại: {rejected}; chưa nộp: {missing}"),
        Card(dossiers.code, dossiers.value, shown.number(dossiers.value), "hồ sơ TTHC đã tiếp nhận",
             f"{fmt.reporting(dossiers.n_reporting, dossiers.n_expected)} xã báo cáo"),
    ]
    for rate in summary.rates:
        cards.append(Card(rate.key, rate.value, shown.percent(rate.value), rate.label,
                          f"{rate.formula}; {fmt.reporting(rate.n, summary.n_expected)} xã "
                          "đủ số liệu"))
    return cards


def missing_by_district(summary: Summary) -> list[MissingGroup]:
    """A province's missing communes, district by district."""
    sizes: dict[str, int] = {}
    for commune in summary.communes:
        sizes[commune.district_name] = sizes.get(commune.district_name, 0) + 1
    groups: dict[str, list[Commune]] = {}
    for commune in summary.communes:
        if commune.status == "missing":
            groups.setdefault(commune.district_name, []).append(commune)
    return [MissingGroup(name, tuple(group), len(group) == sizes[name]
                         and not any(c.n_reports for c in group))
            for name, group in groups.items()]


def compared_units(summary: Summary) -> list[tuple[str, list[Mapping[str, float | None]]]]:
    """What the charts compare: the submitted communes of a district, or the districts of a
    province (each with the figures of its submitted communes)."""
    submitted = [c for c in summary.communes if c.status == "submitted"]
    if not summary.area.by_district:
        return [(c.name, [c.values]) for c in submitted]
    groups: dict[str, list[Mapping[str, float | None]]] = {}
    for commune in submitted:
        groups.setdefault(commune.district_name, []).append(commune.values)
    return list(groups.items())


def _sum(communes: Iterable[Mapping[str, float | None]], code: str) -> float | None:
    values = [c.get(code) for c in communes if c.get(code) is not None]
    return sum(values) if values else None


def comparisons(summary: Summary) -> list[tuple[Markup, str]]:
    """Three charts with their captions: dossiers by channel, on-time share, online share
    (none when no commune has a valid report)."""
    units = compared_units(summary)
    if not units:
        return []
    what = "huyện" if summary.area.by_district else "xã"
    codes = summary.template.summary
    channels = sorted(((name, [_sum(group, code) for code, _, _ in codes.channels])
                       for name, group in units),
                      key=lambda row: -sum(v or 0 for v in row[1]))
    rates = [(name, compute_all(group, codes.rates)) for name, group in units]
    return [
        (_chart(charts.stacked_bars(channels,
                                    [(label, colour) for _, label, colour in codes.channels],
                                    title=f"Hồ sơ tiếp nhận theo kênh, từng {what} (3.3.1.a–d)")),
         f"Hồ sơ tiếp nhận theo kênh (3.3.1.a–d), từng {what}, xếp theo tổng số."),
        (_chart(_rate_chart(rates, summary, "on_time", "#4e79a7")),
         f"Tỷ lệ hồ sơ giải quyết đúng hẹn (3.3.2 / 3.3.1), từng {what}; vạch đỏ: "
         f"{summary.area.name}."),
        (_chart(_rate_chart(rates, summary, "online", "#2e7d32")),
         f"Tỷ lệ hồ sơ tiếp nhận trực tuyến ((3.3.1.c + 3.3.1.d) / 3.3.1), từng {what}; "
         f"vạch đỏ: {summary.area.name}."),
    ]


def _rate_chart(rates: list[tuple[str, dict[str, RateValue]]], summary: Summary, key: str,
                colour: str) -> str:
    rows = sorted(((name, found[key].value) for name, found in rates),
                  key=lambda row: (row[1] is None, -(row[1] or 0)))
    area = summary.rate(key)
    return charts.percent_bars(rows, title=area.label, colour=colour,
                               reference=(summary.area.name, area.value))


def year_before(summary: Summary) -> list[Sequence[str]]:
    """Key figures beside the same period a year earlier (no rows when the warehouse has not
    got it): indicator, now, then, change — the change like for like (summary/compare.py)."""
    previous = summary.previous
    if previous is None:
        return []
    now_values = {c.code: c.values for c in summary.communes if c.values}
    rows: list[Sequence[str]] = [
        ("Số xã đã gửi báo cáo", str(summary.n_submitted), str(previous.n_submitted),
         compare.difference(summary.n_submitted, previous.n_submitted))]
    for code in summary.template.summary.compared:
        now, then = summary.line(code), previous.lines[code]
        rows.append((f"{code} {now.label}",
                     f"{_figure(now.value, now.kind)} "
                     f"({fmt.reporting(now.n_reporting, now.n_expected)})",
                     f"{_figure(then.value, then.kind)} "
                     f"({fmt.reporting(then.n_reporting, then.n_expected)})",
                     compare.figure_change(code, now.aggregation, now.value, then.value,
                                           now_values, previous.values,
                                           points=now.kind == "percent").shown))
    for rate, value in zip(summary.template.summary.rates, summary.rates, strict=True):
        then_rate = previous.rates[rate.key]
        rows.append((rate.label, shown.percent(value.value), shown.percent(then_rate.value),
                     compare.rate_change(rate, now_values, previous.values).shown))
    return rows


def follow_up(summary: Summary) -> list[dict[str, str]]:
    """What to chase, commune by commune, then files that name no commune; communes that sent
    nothing are one row here, since the page lists them by name above."""
    items = [item for item in summary.follow_up if item.kind != "missing" or not item.commune_code]
    rows = [{"kind": item.kind, "commune": item.commune_name or "", "message": item.message,
             "codes": ", ".join(item.codes), "file": item.file_name or ""} for item in items]
    missing = len(summary.follow_up) - len(items)
    if missing:
        rows.append({"kind": "missing", "commune": f"{missing} xã",
                     "message": "Chưa nhận được báo cáo (danh sách ở mục «Chưa nộp» phía trên): "
                     "đề nghị đôn đốc các xã gửi báo cáo kèm Phụ lục 01b.",
                     "codes": "", "file": ""})
    return rows
