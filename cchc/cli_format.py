"""What the ``cchc`` commands print, as a person reads it: the warehouse's state in Vietnamese
(whoever runs the night is at the Nội vụ office too), query rows, a report's figures."""

from __future__ import annotations

import json


def format_status(found: dict) -> str:
    """``cchc status`` in Vietnamese, like the desk and the run summary: whoever runs the night
    is at the Nội vụ office too. Statuses are said as the run summary says them."""
    from cchc.labels import FILE_STATUS, RUN_KIND, RUN_STATE, said

    lines = [f"Kho dữ liệu: {found['warehouse']} (lược đồ {found['schema_version']})", "",
             "Các lần nạp gần đây:"]
    for run in found["runs"]:
        kind, state = said(RUN_KIND, run["kind"]), said(RUN_STATE, run["status"])
        lines.append(f"  {run['run_id']}  {kind:<7} {state:<9} "
                     f"mới {run['n_new'] or 0:>4}  "
                     f"chấp nhận {run['n_accepted'] or 0:>4}  từ chối {run['n_rejected'] or 0:>3}"
                     f"  không đọc được {run['n_quarantined'] or 0:>3}")
    lines += ["", "Tệp theo tình trạng:"]
    lines += [f"  {said(FILE_STATUS, name):<17} {count}"
              for name, count in sorted(found["submissions"].items())]
    lines += ["", "Mức độ đầy đủ (huyện, hoặc tỉnh trên bản đồ 2025; kỳ: đã gửi / bị từ chối / "
                  "chưa gửi trên số phải báo cáo):"]
    lines += [f"  {_area(row)}, {row['period']}: "
              f"{row['n_submitted']} / {row['n_rejected']} / {row['n_missing']} trên "
              f"{row['n_expected']}" for row in found["completeness"]]
    if found.get("mailbox"):
        lines += ["", _mailbox_line(found["mailbox"])]
    return "\n".join(lines)


def _mailbox_line(pull: dict) -> str:
    """The last pull of the office mailbox in one line: when, and what it took or why not."""
    when = f"{pull['started_at']:%d/%m/%Y %H:%M}"
    if pull["ok"]:
        return (f"Hộp thư {pull['mailbox']}: lần lấy thư cuối {when}, {pull['n_messages']} thư "
                f"mới, {pull['n_files']} tệp.")
    return f"Hộp thư {pull['mailbox']}: lần lấy thư cuối {when} KHÔNG ĐỌC ĐƯỢC: {pull['error']}"


def _area(row: dict) -> str:
    if row["district_code"] is None:
        return f"tỉnh {row['province_code']} (bản đồ 2025)"
    return f"{row['district_code']} {row['district_name']}"


def format_rows(columns: list[str], rows: list[tuple], output: str) -> str:
    """Rows as an aligned table, CSV or JSON records."""
    if output == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows],
                          ensure_ascii=False, indent=2, default=str)
    if output == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    texts = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in texts)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in texts]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def format_report(document: dict) -> str:
    """The extract JSON as a person reads it: metadata, then one line per indicator."""
    meta = document["report"]
    lines = [
        f"File:     {document['source']['path']} ({document['source']['format']})",
        f"Commune:  {meta['commune_name'] or '?'} ({meta['commune_code'] or '?'}), "
        f"{_district(meta)}province {meta['province_code'] or '?'}, "
        f"map {meta.get('admin_map') or '?'}",
        f"Period:   {meta['period'] or '?'}    Date: {meta['report_date'] or '-'}    "
        f"Number: {meta['doc_number'] or '-'}",
        "",
        f"{'Code':<9} {'Value':>10}  {'Where':<14} Unit",
    ]
    for item in document["indicators"]:
        value = "" if item["value"] is None else f"{item['value']:g}"
        where = _where(item)
        lines.append(f"{item['code']:<9} {value:>10}  {where:<14} {item['unit']}")
    for issue in document["issues"]:
        lines.append(f"{issue['severity'].upper()}: {issue['message']}")
    return "\n".join(lines)


def _district(meta: dict) -> str:
    """"Huyện Hoằng Hóa (399), ", or nothing on the 2025 map, which has no districts."""
    if meta.get("admin_map") == "2025":
        return ""
    return f"{meta['district_name'] or '?'} ({meta['district_code'] or '?'}), "


def _where(item: dict) -> str:
    if "sheet" in item:
        return f"{item['sheet']}!{item.get('cell', '')}"
    if "page" in item:
        return f"page {item['page']}"
    if "line" in item:
        return f"line {item['line']}"
    if "table" in item:
        return f"table {item['table']} row {item['row']}"
    return "absent"
