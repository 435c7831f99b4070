"""The summary as one self-contained HTML page in Vietnamese: inline CSS and SVG, no script,
nothing fetched, so it opens offline and prints as it shows.

Every piece of text is escaped with ``html.escape`` on its way in: commune names, file names,
issue messages and document numbers come from outside and must never become markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path

from cchc.summary import charts, fmt
from cchc.summary.model import Commune, Line, RateValue, Summary, YearOnYear
from cchc.summary.rates import compute_all

CHANNELS = (("3.3.1.a", "Trực tiếp", "#4e79a7"), ("3.3.1.b", "Qua BCCI", "#f28e2b"),
            ("3.3.1.c", "Trực tuyến một phần", "#8cd17d"),
            ("3.3.1.d", "Trực tuyến toàn trình", "#2e7d32"))
COMPARED = ("3.3.1", "3.3.2", "3.3.1.c", "3.3.1.d", "1.1.1", "1.1.2", "7.4.2", "3.2.5")

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#222;margin:24px auto;max-width:980px;
line-height:1.45;font-size:14px}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #4e79a7;
padding-bottom:3px}.sub{color:#555;margin:2px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{flex:1 1 160px;border:1px solid #ccd;border-radius:6px;padding:10px 12px;background:#f7f9fc}
.card .big{font-size:24px;font-weight:bold;color:#1f3b63}.card .what{font-size:12px;color:#555}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0}
th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#dde4ee}td.num{text-align:right;white-space:nowrap}
tr.group td{background:#f2f2f2;font-weight:bold}tr.breakdown td.label{padding-left:22px}
.error{color:#b71c1c;font-weight:bold}.warning{color:#8a5a00}.muted{color:#777}
figure{margin:10px 0 22px}figcaption{font-size:12px;color:#555}
ul.names{columns:3;margin:4px 0}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}figure,tr{break-inside:avoid}
@page{size:A4 landscape;margin:12mm}}
"""


def write_html(summary: Summary, path: Path) -> None:
    """Write the page to ``path`` (UTF-8)."""
    path.write_text(render(summary), encoding="utf-8")


def render(summary: Summary) -> str:
    """The whole page as text."""
    title = f"Tổng hợp báo cáo CCHC — {summary.area.name} — {summary.period.label}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">Hạn nộp báo cáo: {fmt.day(summary.deadline)}. Số liệu đến: '
        f"{fmt.moment(summary.data_as_of)}. Chỉ tính báo cáo hiện hành (bản mới nhất được "
        "chấp nhận của mỗi xã); ô để trống không được tính là 0.</p>",
        headline(summary), who_has_not(summary), comparisons(summary), year_before(summary),
        year_on_year(summary), appendix(summary), follow_up(summary),
        '<p class="muted">Lập tự động bởi cchc từ kho dữ liệu báo cáo.</p>',
    ]
    return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def headline(summary: Summary) -> str:
    """The four figures the officer is asked for first."""
    dossiers = summary.line("3.3.1")
    rejected = sum(1 for c in summary.communes if c.status == "rejected")
    missing = sum(1 for c in summary.communes if c.status == "missing")
    cards = [
        _card("submitted", summary.n_submitted, fmt.reporting(summary.n_submitted,
                                                              summary.n_expected),
              "xã, thị trấn đã gửi báo cáo", f"bị trả lại: {rejected}; chưa nộp: {missing}"),
        _card("3.3.1", dossiers.value, fmt.number(dossiers.value), "hồ sơ TTHC đã tiếp nhận",
              f"{fmt.reporting(dossiers.n_reporting, dossiers.n_expected)} xã báo cáo"),
    ]
    for rate in summary.rates:
        cards.append(_card(rate.key, rate.value, fmt.percent(rate.value), rate.label,
                           f"{rate.formula}; {fmt.reporting(rate.n, summary.n_expected)} xã "
                           "đủ số liệu"))
    return '<h2>Số liệu chính</h2><div class="cards">' + "".join(cards) + "</div>"


def _card(key: str, value: float | None, shown: str, what: str, detail: str) -> str:
    data = "" if value is None else repr(float(value))
    return (f'<div class="card" data-key="{escape(key)}" data-value="{data}">'
            f'<div class="big">{escape(shown)}</div><div>{escape(what)}</div>'
            f'<div class="what">{escape(detail)}</div></div>')


def who_has_not(summary: Summary) -> str:
    """Missing, rejected and late communes, each by name."""
    missing = [c for c in summary.communes if c.status == "missing"]
    rejected = [c for c in summary.communes if c.status == "rejected"]
    late = [c for c in summary.communes if c.timeliness == "late"]
    parts = ["<h2>Chưa nộp, bị trả lại, nộp muộn</h2>"]
    parts.append(f"<p><b>Chưa nộp ({len(missing)}):</b></p>" + _names(missing, summary)
                 if missing else "<p>Tất cả các xã đã gửi báo cáo.</p>")
    if rejected:
        parts.append(f"<p><b>Bị trả lại, chưa có bản hợp lệ ({len(rejected)}):</b></p>")
        parts.append(_table(["Xã", "Tệp", "Lỗi", "Nhận lúc"], [
            [escape(c.name), escape(c.file_name or ""), str(c.n_errors),
             fmt.moment(c.received_at)] for c in rejected], row_class="rejected"))
    if late:
        parts.append(f"<p><b>Nộp muộn so với hạn {fmt.day(summary.deadline)} "
                     f"({len(late)}):</b></p>")
        parts.append(_table(["Xã", "Nhận lần đầu", "Muộn"], [
            [escape(c.name), fmt.moment(c.first_received_at), f"{c.days_late} ngày"]
            for c in late], row_class="late"))
    return "".join(parts)


def _names(communes: Sequence[Commune], summary: Summary) -> str:
    if not summary.area.by_district:
        return ('<ul class="names">' + "".join(f'<li data-code="{escape(c.code)}">'
                                               f"{escape(c.name)}</li>" for c in communes)
                + "</ul>")
    # A province: names only for districts that sent something; a district that sent nothing
    # is one line (it may simply not use cchc yet).
    sizes: dict[str, int] = {}
    for commune in summary.communes:
        sizes[commune.district_name] = sizes.get(commune.district_name, 0) + 1
    by_district: dict[str, list[Commune]] = {}
    for commune in communes:
        by_district.setdefault(commune.district_name, []).append(commune)
    items = []
    for name, group in by_district.items():
        if len(group) == sizes[name] and not any(c.n_reports for c in group):
            items.append(f"<li><b>{escape(name)}</b>: chưa có xã nào gửi báo cáo "
                         f"({len(group)} xã)</li>")
        else:
            items.append(f"<li><b>{escape(name)}</b> ({len(group)}): " + ", ".join(
                f'<span data-code="{escape(c.code)}">{escape(c.name)}</span>' for c in group)
                + "</li>")
    return "<ul>" + "".join(items) + "</ul>"


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


def comparisons(summary: Summary) -> str:
    """Three charts: dossiers by channel, on-time share, online share."""
    units = compared_units(summary)
    if not units:
        return "<h2>So sánh giữa các đơn vị</h2><p>Chưa có báo cáo hợp lệ nào để so sánh.</p>"
    what = "huyện" if summary.area.by_district else "xã"
    channels = sorted(((name, [_sum(group, code) for code, _, _ in CHANNELS])
                       for name, group in units),
                      key=lambda row: -sum(v or 0 for v in row[1]))
    rates = [(name, compute_all(group)) for name, group in units]
    figures = [
        (charts.stacked_bars(channels, [(label, colour) for _, label, colour in CHANNELS],
                             title=f"Hồ sơ tiếp nhận theo kênh, từng {what} (3.3.1.a–d)"),
         f"Hồ sơ tiếp nhận theo kênh (3.3.1.a–d), từng {what}, xếp theo tổng số."),
        (_rate_chart(rates, summary, "on_time", "#4e79a7"),
         f"Tỷ lệ hồ sơ giải quyết đúng hẹn (3.3.2 / 3.3.1), từng {what}; vạch đỏ: "
         f"{summary.area.name}."),
        (_rate_chart(rates, summary, "online", "#2e7d32"),
         f"Tỷ lệ hồ sơ tiếp nhận trực tuyến ((3.3.1.c + 3.3.1.d) / 3.3.1), từng {what}; "
         f"vạch đỏ: {summary.area.name}."),
    ]
    return ("<h2>So sánh giữa các đơn vị</h2>" + "".join(
        f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"
        for svg, caption in figures))


def _rate_chart(rates: list[tuple[str, dict[str, RateValue]]], summary: Summary, key: str,
                colour: str) -> str:
    rows = sorted(((name, found[key].value) for name, found in rates),
                  key=lambda row: (row[1] is None, -(row[1] or 0)))
    area = summary.rate(key)
    return charts.percent_bars(rows, title=area.label, colour=colour,
                               reference=(summary.area.name, area.value))


def year_before(summary: Summary) -> str:
    """Key figures beside the same period a year earlier, when the warehouse has it."""
    previous = summary.previous
    heading = "<h2>So với cùng kỳ năm trước</h2>"
    if previous is None and summary.year_on_year:
        return heading + ("<p>Cùng kỳ năm trước thuộc bản đồ hành chính cũ (trước ngày "
                          "01/7/2025): so sánh từng xã với các xã cũ đã hợp thành xã đó, ở mục "
                          "dưới.</p>")
    if previous is None:
        return heading + ("<p>Kho dữ liệu chưa có báo cáo cùng kỳ năm trước của đơn vị này: "
                          "chưa so sánh được.</p>")
    rows = [["Số xã đã gửi báo cáo", str(summary.n_submitted), str(previous.n_submitted),
             _change(summary.n_submitted, previous.n_submitted)]]
    for code in COMPARED:
        now, then = summary.line(code), previous.lines[code]
        shown = fmt.percent(now.value, 2) if now.kind == "percent" else fmt.number(now.value)
        before = fmt.percent(then.value, 2) if then.kind == "percent" else fmt.number(then.value)
        rows.append([f"{escape(code)} {escape(now.label)}",
                     f"{shown} ({fmt.reporting(now.n_reporting, now.n_expected)})",
                     f"{before} ({fmt.reporting(then.n_reporting, then.n_expected)})",
                     _change(now.value, then.value, points=now.kind == "percent")])
    for rate in summary.rates:
        then = previous.rates[rate.key]
        rows.append([escape(rate.label), fmt.percent(rate.value), fmt.percent(then.value),
                     _change(rate.value, then.value, points=True)])
    return (heading + f"<p>{escape(summary.period.label)} so với "
            f"{escape(previous.period.label)}. Số xã báo cáo mỗi kỳ ghi trong ngoặc: khi khác "
            "nhau, tổng của hai kỳ không so sánh trực tiếp được.</p>"
            + _table(["Chỉ tiêu", escape(summary.period.label), escape(previous.period.label),
                      "Thay đổi"], rows))


def year_on_year(summary: Summary) -> str:
    """Each 2025 commune beside its predecessors' sum a year earlier (2025 provinces only)."""
    if not summary.year_on_year:
        return ""
    rows = [_year_on_year_row(item) for item in summary.year_on_year]
    return ("<h2>Từng xã so với các xã cũ cùng kỳ năm trước</h2><p>Số liệu cùng kỳ năm trước "
            "của mỗi xã là tổng số liệu của các xã cũ (trước ngày 01/7/2025) đã hợp thành xã "
            "đó; ngoặc: số xã cũ có báo cáo / số xã cũ. (*) Có xã cũ bị chia cho nhiều xã mới: "
            "tổng chỉ để tham khảo, không so sánh trực tiếp được.</p>"
            + _table(["Xã", "Chỉ tiêu", "Kỳ này", "Cùng kỳ năm trước (các xã cũ)", "Thay đổi"],
                     rows, row_class="year-on-year"))


def _year_on_year_row(item: YearOnYear) -> list[str]:
    mark = "" if item.comparable else " (*)"
    return [f'<span data-code="{escape(item.commune_code)}">{escape(item.commune_name)}</span>'
            f"{mark}", f"{escape(item.code)} {escape(item.label)}", fmt.number(item.value),
            f"{fmt.number(item.before)} ({fmt.reporting(item.n_reporting, item.n_expected)})",
            _change(item.value, item.before) if item.comparable else fmt.NONE]


def _change(now: float | None, then: float | None, points: bool = False) -> str:
    if now is None or then is None:
        return fmt.NONE
    delta = now - then
    sign = "+" if delta > 0 else ""
    if points:
        return f"{sign}{fmt.number(delta, 1)} điểm %"
    relative = f" ({sign}{fmt.percent(100 * delta / then)})" if then else ""
    return f"{sign}{fmt.number(delta)}{relative}"


def appendix(summary: Summary) -> str:
    """The consolidated Phụ lục 01b, every row, with how each figure was obtained."""
    rows = []
    for line in summary.lines:
        if line.is_group:
            rows.append(f'<tr class="group"><td>{escape(line.code)}</td>'
                        f'<td colspan="5">{escape(line.label)}</td></tr>')
            continue
        rows.append(_appendix_row(line))
    for rate in summary.rates:
        rows.append(_rate_row(rate, summary.n_expected))
    return ("<h2>Phụ lục 01b tổng hợp</h2><table class=\"appendix\"><thead><tr><th>Mã</th>"
            "<th>Nội dung</th><th>Đơn vị tính</th><th>Số liệu tổng hợp</th><th>Số xã báo cáo"
            "</th><th>Ghi chú</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _appendix_row(line: Line) -> str:
    shown = fmt.percent(line.value, 2) if line.kind == "percent" else fmt.number(line.value)
    data = "" if line.value is None else repr(float(line.value))
    kind = ' class="breakdown"' if line.breakdown else ""
    unit = escape(line.unit).replace("\n", "<br>")
    return (f'<tr{kind}><td>{escape(line.code)}</td><td class="label">{escape(line.label)}</td>'
            f'<td>{unit}</td><td class="num value" data-code="{escape(line.code)}" '
            f'data-value="{data}">{escape(shown if line.value is not None else "")}</td>'
            f'<td class="num n" data-code="{escape(line.code)}">'
            f"{fmt.reporting(line.n_reporting, line.n_expected)}</td>"
            f'<td class="note" data-code="{escape(line.code)}">{escape(line.note)}</td></tr>')


def _rate_row(rate: RateValue, n_expected: int) -> str:
    data = "" if rate.value is None else repr(float(rate.value))
    note = (f"{rate.formula} = {fmt.number(rate.numerator)}/{fmt.number(rate.denominator)}"
            if rate.n else "không xã nào đủ số liệu")
    return (f'<tr class="rate"><td>{escape(rate.formula)}</td><td>{escape(rate.label)}</td>'
            f'<td>%</td><td class="num value" data-rate="{escape(rate.key)}" '
            f'data-value="{data}">{escape(fmt.percent(rate.value))}</td>'
            f'<td class="num">{fmt.reporting(rate.n, n_expected)}</td>'
            f"<td>{escape(note)}</td></tr>")


def follow_up(summary: Summary) -> str:
    """What to chase, commune by commune, then files that name no commune."""
    if not summary.follow_up:
        return "<h2>Cần xử lý</h2><p>Không có việc cần xử lý.</p>"
    first, last = summary.unattributed_window
    items = [item for item in summary.follow_up if item.kind != "missing" or not item.commune_code]
    rows = [[f'<span class="{item.kind}">{escape(fmt.FOLLOW_UP[item.kind])}</span>',
             escape(item.commune_name or ""), escape(item.message),
             escape(", ".join(item.codes)), escape(item.file_name or "")] for item in items]
    missing = len(summary.follow_up) - len(items)
    if missing:  # listed by name above; one row here rather than one per commune
        rows.append([f'<span class="missing">{fmt.FOLLOW_UP["missing"]}</span>',
                     f"{missing} xã", "Chưa nhận được báo cáo (danh sách ở mục «Chưa nộp» phía "
                     "trên): đề nghị đôn đốc các xã gửi báo cáo kèm Phụ lục 01b.", "", ""])
    return ("<h2>Cần xử lý</h2><p>Lỗi làm báo cáo bị trả lại; cảnh báo cần xã kiểm tra lại. "
            f"Tệp không xác định được xã hoặc kỳ: những tệp nhận từ {fmt.day(first)} đến "
            f"{fmt.day(last)}.</p>"
            + _table(["Loại", "Xã", "Nội dung", "Chỉ tiêu", "Tệp"], rows, row_class="follow"))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], row_class: str = "") -> str:
    """A table from cells that are already escaped HTML."""
    kind = f' class="{row_class}"' if row_class else ""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(f"<tr{kind}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
