"""What an exported report looks like, whatever the file format: the header block every
sheet starts with, and each section of the report as one table.

The tables are read mechanically from the served document (`filing.served_document`),
leaf by leaf, so an export and the JSON report agree figure by figure by construction:
a section's figures are listed as label, JSON key, value; a list (children, officers,
Biểu II.06a rows) as a table whose second header row names each column's JSON key; the
method as sentences (`method_text`), each beside the key it reads.
The labels are Vietnamese, the language the report goes upward in.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ... import clock
from ...ratings.instrument import current_instrument
from .. import method_text

# A compiled draft's figures are not live: what they are follows the version (`compiled_basis`).
COMPILED_DRAFT = "Bản nháp"
STATUS_LABELS = {"draft": "Bản nháp (số liệu trực tiếp)", "submitted": "Đã nộp, chờ cấp trên xem xét",
                 "accepted": "Đã được cấp trên tiếp nhận", "returned": "Bị cấp trên trả lại",
                 "not_reported": "Chưa báo cáo (quá hạn nộp)"}
_LABELS = {
    # satisfaction
    "responses": "Số ý kiến", "overall": "Mức hài lòng chung", "satisfaction_pct": "Tỷ lệ hài lòng (%)",
    "mean_score": "Điểm trung bình (1–5)", "mean": "Điểm trung bình (1–5)", "elements": "Yếu tố SIPAS",
    "counts": "Số ý kiến theo mức", "sipas_index": "Chỉ số tổng hợp 5 yếu tố (%)", "conduct": "6 biết",
    "yes": "Có", "no": "Không", "unknown": "Không rõ", "pct": "Tỷ lệ có (%)", "conduct_score": "Điểm 6 biết (%)",
    "by_channel": "Theo kênh", "verified": "Có xác thực (gắn hồ sơ)", "unverified": "Không gắn hồ sơ",
    "verified_share_pct": "Tỷ lệ có xác thực (%)", "excluded": "Bị loại khỏi số liệu", "total": "Tổng số",
    "reasons": "Lý do", "as_of": "Ý kiến mới nhất (UTC)",
    "counter_qr": "QR tại quầy", "dossier_qr": "QR trên phiếu hồ sơ", "kiosk": "Máy đặt tại quầy",
    "api": "Ứng dụng (API)", "cooldown": "Gửi lặp lại", "honeypot": "Máy tự động gửi",
    "over_allowance": "Vượt hạn mức của quầy", "over_own_allowance": "Vượt hạn mức của một địa chỉ mạng",
    # QĐ 766 and complaints
    "handled": "Hồ sơ đã xử lý", "complained": "Hồ sơ bị phản ánh / không hài lòng",
    "rated": "Ý kiến về hồ sơ nhận trong kỳ",
    "on_time_pct": "Tỷ lệ đúng hạn (%)", "overdue_pct": "Tỷ lệ quá hạn (%)",
    "complained_pct": "Tỷ lệ bị phản ánh / không hài lòng (%)",
    "tthc_satisfaction_pct": "Mức độ hài lòng giải quyết TTHC (%)", "points": "Điểm", "points_max": "Điểm tối đa",
    "indicators_766": "Chỉ số 766", "complaints": "Phản ánh, kiến nghị", "answered_on_time": "Trả lời đúng hạn",
    "answered_late": "Trả lời quá hạn", "pending_within_time": "Chưa trả lời, trong hạn",
    "pending_overdue": "Chưa trả lời, quá hạn",
    # Biểu II.06a
    "received": "Tiếp nhận", "online": "Trực tuyến", "in_person": "Trực tiếp, bưu chính",
    "carried_over": "Kỳ trước chuyển sang", "resolved": "Đã giải quyết", "early": "Trước hạn",
    "on_time": "Đúng hạn", "late": "Quá hạn", "pending": "Đang giải quyết", "within_time": "Trong hạn",
    "overdue": "Quá hạn", "no_due_date": "Không có hạn giải quyết", "cancelled": "Hủy trong kỳ",
    "own": "Tại chính đơn vị",
    # tables
    "row": "Dòng", "code": "Mã", "name": "Tên", "kind": "Loại", "rank": "Xếp hạng",
    "dossiers_handled": "Hồ sơ đã xử lý", "unit_code": "Mã đơn vị",
    # disclosure (the children's rows and every figures object)
    "small_cells": "Ô ít dữ liệu (dưới 5 ý kiến)", "withheld": "Không công bố (ít dữ liệu)",
    # a compiled report's sources
    "version": "Phiên bản", "sha256": "Mã kiểm tra SHA-256", "status": "Trạng thái", "compiled": "Tổng hợp",
    "basis": "Cơ sở số liệu", "own_records": "Hồ sơ, ý kiến tại chính đơn vị", "which_units": "Đơn vị lập báo cáo tổng hợp",
    "reproducible": "Tính lặp lại",
}


@dataclass
class Section:
    """One section as a table: a heading row of labels, a row of JSON keys, then rows."""

    sheet: str
    title: str
    labels: list[str]
    keys: list[str]
    rows: list[list] = field(default_factory=list)


def instrument_labels() -> dict[str, str]:
    """Short Vietnamese names of the instrument's elements and behaviours ("Biết chào")."""
    raw = current_instrument().raw
    names = {item["key"]: item["label"]["vi"].split(" — ")[0] for item in raw["conduct"]["items"]}
    names.update({item["key"]: item["label"]["vi"].split(":")[0] for item in raw["elements"]["items"]})
    return names


def label_of(path: str, names: dict[str, str]) -> str:
    parts = []
    for segment in path.split("."):
        if segment.isdigit() and len(segment) == 1:
            parts.append(f"Mức {segment}")
        else:
            parts.append(names.get(segment) or _LABELS.get(segment, segment))
    return " › ".join(parts)


def leaves(value: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(dotted JSON path, value) of every leaf, in the document's own order."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):  # an empty list is an empty cell, as a spreadsheet reads it back
        yield prefix, "; ".join(str(v) for v in value) or None
    else:
        yield prefix, value


def figures_section(sheet: str, title: str, part: dict, names: dict[str, str]) -> Section:
    section = Section(sheet, title, ["Chỉ tiêu", "Khóa JSON", "Giá trị"], ["label", "key", "value"])
    section.rows = [[label_of(path, names), path, value] for path, value in leaves(part)]
    return section


def table_section(sheet: str, title: str, rows: list[dict], names: dict[str, str],
                  columns: tuple[str, ...] = ()) -> Section:
    """`columns`: the keys a table has even when it has no rows."""
    flat = [dict(leaves(row)) for row in rows]
    keys: list[str] = list(columns)
    for row in flat:
        keys += [key for key in row if key not in keys]
    section = Section(sheet, title, [label_of(key, names) for key in keys], keys)
    section.rows = [[row.get(key) for key in keys] for row in flat]
    return section


def tthc_rows(document: dict) -> list[dict]:
    """Biểu II.06a: the unit's row, each child unit's, then each procedure's."""
    results = document["tthc_results"]
    table = ("received", "resolved", "pending", "cancelled")
    indicators = ("on_time_pct", "overdue_pct", "complained_pct", "tthc_satisfaction_pct", "points")
    unit = document["unit"]
    rows = [{"row": "Đơn vị", "code": unit["code"], "name": unit["name"], **{k: results[k] for k in table if k in results},
             "indicators_766": {k: document["indicators_766"].get(k) for k in indicators}}]
    own = results.get("own")  # snapshots filed before the unit's own desk had a row have none
    if own is not None:
        rows.append({"row": "Tại chính đơn vị", "code": own["code"], "name": own["name"],
                     **{k: own[k] for k in table if k in own}})
    rows += [{"row": "Đơn vị trực thuộc", "code": child["code"], "name": child["name"],
              **{k: child[k] for k in table if k in child}} for child in results.get("children", [])]
    rows += [{"row": "Thủ tục", "code": proc["procedure_code"], "name": proc["procedure_name"],
              **{k: proc[k] for k in table if k in proc},
              "indicators_766": {k: proc.get("indicators_766", {}).get(k) for k in indicators}}
             for proc in results.get("procedures", [])]
    return rows


def sections(document: dict) -> list[Section]:
    """The report's sections in the order of the document; officers where the copy has them
    (the internal one)."""
    names = instrument_labels()
    parts = [
        figures_section("Tổng hợp", "Mức độ hài lòng (ý kiến tại quầy)", document["satisfaction"], names),
        figures_section("Chỉ số 766", "Chỉ số theo QĐ 766/QĐ-TTg", document["indicators_766"], names),
        table_section("Biểu II.06a", "Kết quả giải quyết TTHC (Biểu II.06a, TT 01/2020/TT-VPCP)",
                      tthc_rows(document), names),
        table_section("Đơn vị trực thuộc", "Đơn vị trực thuộc, xếp hạng theo tỷ lệ hài lòng",
                      document.get("children", []), names),
    ]
    if "compiled_from" in document:
        parts.append(table_section("Tổng hợp từ", "Báo cáo đã tiếp nhận của đơn vị trực thuộc được tổng hợp",
                                   document["compiled_from"], names, ("code", "name", "version", "sha256")))
        parts.append(table_section("Chưa tổng hợp", "Đơn vị trực thuộc chưa có báo cáo được tiếp nhận",
                                   [{**row, "status": STATUS_LABELS.get(row["status"], row["status"])}
                                    for row in document.get("missing", [])], names,
                                   ("code", "name", "status", "version", "late")))
    if "officers" in document:
        parts.append(table_section("Cán bộ", "6 biết theo cán bộ (nội bộ, không công bố)",
                                   document["officers"], names))
    parts.append(method_section(document["method"]))
    return parts


def method_section(method: dict) -> Section:
    """The method as sentences (`method_text`), each beside the JSON key it reads."""
    section = Section("Phương pháp", "Phương pháp tính", ["Mục", "Nội dung", "Khóa JSON"], ["heading", "text", "key"])
    section.rows = method_text.file_rows(method)
    return section


def local_moment(iso: str | None) -> str:
    if not iso:
        return ""
    return clock.local_time(datetime.fromisoformat(iso)).strftime("%d/%m/%Y %H:%M:%S")


def compiled_basis(document: dict) -> str:
    return (f"Tổng hợp từ báo cáo đã tiếp nhận của {len(document['compiled_from'])} đơn vị trực thuộc; "
            f"{len(document.get('missing', []))} đơn vị chưa có, không có trong số liệu")


def header_rows(document: dict, exported_at: datetime, zone: str) -> list[list[str]]:
    """The block on top of every sheet: unit, period, status and version, and the times."""
    period, unit = document["period"], document["unit"]
    status = document.get("status", "")
    label = COMPILED_DRAFT if status == "draft" and "compiled_from" in document else STATUS_LABELS.get(status, status)
    standing = f"{label}; phiên bản {document.get('version', '')}"
    if document.get("submitted_at"):
        standing += f", nộp lúc {local_moment(document['submitted_at'])}"
    if "compiled_from" in document:
        standing += f"; {compiled_basis(document)}"
    day = "%d/%m/%Y"
    return [
        ["Đơn vị", f"{unit['code']} — {unit['name']}"],
        ["Kỳ báo cáo", f"{period['label']} — {period.get('title', '')}: từ "
                       f"{datetime.fromisoformat(period['from']):{day}} đến {datetime.fromisoformat(period['to']):{day}}"
                       + (" (kỳ báo cáo chính thức)" if period.get("official") else "")],
        ["Trạng thái", standing],
        ["Số liệu lập lúc", local_moment(document.get("generated_at"))],
        ["Tệp xuất lúc", clock.local_time(exported_at).strftime("%d/%m/%Y %H:%M:%S")],
        ["Múi giờ", f"{zone} (giờ Việt Nam): mọi ngày giờ trong tệp là giờ địa phương, trừ khi ghi UTC"],
    ]
