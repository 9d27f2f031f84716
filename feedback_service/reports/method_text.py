"""A report's method (`document["method"]`) in its reader's words: titled paragraphs of
sentences a clerk can check, for the report page (in the page's language) and the
"Phương pháp" section of the XLSX and CSV (always Vietnamese, as the files' other labels).

The JSON keeps its keys and its English texts: other systems read them. A text is read
by recognising it: each wording below is the English one `document.method()` writes
(now or in a version already filed), with `{name}` where a setting's value stands; the
value is taken from the text itself, so an old snapshot is described by the rule it was
made with, never by today's. A key, or a text, that no wording here knows is still shown,
as stored, under "Nội dung khác" (`Sentence.read` is False): nothing is dropped, and the
suite fails while the live method has such a key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from flask_babel import force_locale, format_decimal
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Sentence:
    key: str  # the dotted method key it reads ("formulas.points")
    text: str
    read: bool = True  # False: no wording known, the value shown as stored


@dataclass(frozen=True)
class Paragraph:
    heading: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Wording:
    """An English text of the method, `{name}` where a value stands, and its reading
    (`%(name)s` for the value)."""

    english: str
    reading: object  # a lazy string

    @cached_property
    def pattern(self) -> re.Pattern:
        seen: set[str] = set()

        def slot(match: re.Match) -> str:
            name = match.group(1)
            if name in seen:  # the same value said twice: the same text both times
                return f"(?P={name})"
            seen.add(name)
            return f"(?P<{name}>.+?)"

        return re.compile(re.sub(r"\\\{(\w+)\\\}", slot, re.escape(self.english)), re.S)

    def read(self, text: object) -> str | None:
        found = self.pattern.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            return None
        return str(self.reading) % {name: number(value) for name, value in found.groupdict().items()}


SOURCE = _l("Nguồn số liệu và phạm vi")
RULES = _l("Quy ước")
FORMULAS = _l("Công thức")
ASSUMED = _l("Giả định")
INTEGRITY = _l("Tính toàn vẹn")
COMPILED = _l("Báo cáo tổng hợp từ các đơn vị trực thuộc")
OTHER = _l("Nội dung khác (ghi nguyên văn)")
HEADINGS = (SOURCE, COMPILED, RULES, FORMULAS, ASSUMED, INTEGRITY, OTHER)

RESOLVED_RULE = ("early / on time / late by local days against the due day, the e-system's late flag winning "
                 "both ways; no due date and no flag: no_due_date")
EXCLUDED_RATINGS = ("ratings flagged as a repeat inside the cool-down, a filled honeypot or above a counter's "
                    "allowance are stored and counted in satisfaction.excluded, never in a figure; ")

# Scalar keys: a sentence around the value.
VALUES = {
    "instrument_version": (SOURCE, _l("Bộ câu hỏi: phiên bản %(value)s.")),
    "timezone": (SOURCE, _l("Ngày và giờ tính theo múi giờ %(value)s (giờ Việt Nam): mỗi ý kiến, mỗi hồ sơ "
                            "thuộc về ngày theo giờ địa phương.")),
    "satisfied_min_level": (RULES, _l("Một câu trả lời được tính là hài lòng khi ở mức %(value)s trở lên "
                                      "(thang 1–5).")),
    "min_answers": (RULES, _l("Số câu trả lời tối thiểu để một con số được hiển thị: %(value)s.")),
    "ratings_not_yet_counted": (SOURCE, _l("Số ý kiến đã nhận trong kỳ nhưng chưa được tổng hợp khi lập số "
                                           "liệu (chưa có trong các con số): %(value)s.")),
}
# Text keys: every wording a filed report may carry, newest first.
TEXTS: dict[str, tuple[object, tuple[Wording, ...]]] = {
    "source": (SOURCE, (Wording(
        "Counter ratings collected by this service: the province's own continuous monitoring, not the national "
        "SIPAS survey, which the Ministry of Home Affairs runs itself.",
        _l("Số liệu là ý kiến tại quầy do hệ thống này thu thập, phục vụ việc theo dõi liên tục của địa phương; "
           "không phải kết quả điều tra SIPAS quốc gia do Bộ Nội vụ tự thực hiện.")),)),
    "scope": (SOURCE, (
        Wording("the unit and every unit below it (merged units through their successor)",
                _l("Phạm vi: đơn vị và mọi đơn vị trực thuộc (đơn vị đã sáp nhập được tính vào đơn vị kế thừa).")),
        Wording("the accepted snapshots of the unit's direct children, listed in compiled_from (children without "
                "one are listed in missing and are in no figure), and the unit's own desk, read live",
                _l("Phạm vi: các báo cáo đã được tiếp nhận của đơn vị trực thuộc (liệt kê ở mục “Tổng hợp từ”; "
                   "đơn vị chưa có báo cáo được tiếp nhận liệt kê ở mục “Chưa tổng hợp” và không có trong số liệu "
                   "nào), cùng hồ sơ, ý kiến tại chính đơn vị, tính theo số liệu hiện có.")),
    )),
    "excluded": (RULES, (
        Wording(EXCLUDED_RATINGS + "cancelled dossiers as method.formulas.cancelled says",
                _l("Ý kiến bị đánh dấu (gửi lặp lại trong thời gian chờ, do máy tự động điền, hoặc vượt mức cho "
                   "phép của quầy) vẫn được lưu và đếm ở mục “Ý kiến bị loại khỏi số liệu”, không tính vào con số "
                   "nào; hồ sơ bị hủy được tính như câu về hồ sơ bị hủy ở phần công thức.")),
        Wording(EXCLUDED_RATINGS + "cancelled dossiers are left out of every count",
                _l("Ý kiến bị đánh dấu (gửi lặp lại trong thời gian chờ, do máy tự động điền, hoặc vượt mức cho "
                   "phép của quầy) vẫn được lưu và đếm ở mục “Ý kiến bị loại khỏi số liệu”, không tính vào con số "
                   "nào; hồ sơ bị hủy không được tính vào số nào.")),
    )),
    "small_cells": (RULES, (
        Wording("a figure resting on fewer than {n} answers, or one that would give such a figure back, is shown "
                "as \"<{n}\" in the published copy and on every page; officers are never published",
                _l("Con số dựa trên dưới %(n)s câu trả lời, hoặc con số có thể suy ngược ra con số như vậy, được "
                   "ghi là “<%(n)s” trong bản công bố và trên mọi trang; số liệu theo công chức không bao giờ được "
                   "công bố.")),
        Wording("a figure resting on fewer than {n} answers is shown as \"<{n}\" wherever the report is "
                "published; officers are never published",
                _l("Con số dựa trên dưới %(n)s câu trả lời được ghi là “<%(n)s” ở mọi nơi báo cáo được công bố; "
                   "số liệu theo công chức không bao giờ được công bố.")),
    )),
    "integrity": (INTEGRITY, (
        Wording("sha256 = SHA-256 of the snapshot without its sha256, status and review fields, written as "
                "RFC 8785 canonical JSON (JCS)",
                _l("Mã kiểm tra SHA-256 = SHA-256 của bản đã nộp (không kể các trường mã kiểm tra, trạng thái và "
                   "ý kiến xem xét), viết dưới dạng JSON chuẩn hóa theo RFC 8785 (JCS); ai cũng tính lại được "
                   "để biết bản báo cáo có bị sửa hay không.")),
        Wording("sha256 = SHA-256 of the UTF-8 canonical JSON (keys sorted, no spaces, non-ASCII kept) of the "
                "snapshot without its sha256, status and review fields",
                _l("Mã kiểm tra SHA-256 = SHA-256 của bản đã nộp (không kể các trường mã kiểm tra, trạng thái và "
                   "ý kiến xem xét), viết dưới dạng JSON chuẩn hóa UTF-8 (khóa theo thứ tự, không có khoảng "
                   "trắng, giữ nguyên chữ tiếng Việt).")),
    )),
}
FORMULA_WORDINGS: dict[str, tuple[Wording, ...]] = {
    "satisfaction_pct": (Wording(
        "answers at level {level} or above ÷ answers × 100",
        _l("Tỷ lệ hài lòng (%%) = số câu trả lời ở mức %(level)s trở lên ÷ tổng số câu trả lời × 100.")),),
    "mean_score": (Wording(
        "mean of the 1–5 answers",
        _l("Điểm trung bình = trung bình cộng các câu trả lời theo thang 1–5.")),),
    "sipas_index": (Wording(
        "unweighted mean of the five elements' satisfaction % (a composite of counter ratings, not the official "
        "SIPAS index)",
        _l("Chỉ số tổng hợp 5 yếu tố (%%) = trung bình cộng, không trọng số, tỷ lệ hài lòng của năm yếu tố SIPAS; "
           "đây là chỉ số tổng hợp từ ý kiến tại quầy, không phải chỉ số SIPAS chính thức.")),),
    "conduct_pct": (Wording(
        "yes ÷ (yes + no) × 100 per behaviour; unanswered counts as unknown",
        _l("Tỷ lệ “có” của mỗi hành vi “6 biết” (%%) = số ý kiến “có” ÷ (số “có” + số “không”) × 100; câu bỏ "
           "trống được tính là “không rõ”.")),),
    "conduct_score": (Wording(
        "mean of the six behaviours' %",
        _l("Điểm “6 biết” (%%) = trung bình cộng tỷ lệ “có” của sáu hành vi.")),),
    "on_time_pct": (
        Wording("(resolved early + on time) ÷ (resolved early + on time + late) × 100; resolved dossiers with no "
                "due date are counted apart (resolved.no_due_date), in neither",
                _l("Tỷ lệ giải quyết đúng hạn (%%) = (số hồ sơ giải quyết trước hạn + đúng hạn) ÷ (số hồ sơ giải "
                   "quyết trước hạn + đúng hạn + quá hạn) × 100; hồ sơ đã giải quyết không có hạn giải quyết được "
                   "đếm riêng, không ở tử số cũng không ở mẫu số.")),
        Wording("(resolved early + on time) ÷ resolved × 100",
                _l("Tỷ lệ giải quyết đúng hạn (%%) = (số hồ sơ giải quyết trước hạn + đúng hạn) ÷ số hồ sơ đã "
                   "giải quyết × 100.")),
    ),
    "overdue_pct": (Wording(
        "(resolved late + pending overdue at the period's end) ÷ (resolved + pending) × 100",
        _l("Tỷ lệ hồ sơ quá hạn (%%) = (số hồ sơ giải quyết quá hạn + số hồ sơ đang giải quyết đã quá hạn khi "
           "kết thúc kỳ) ÷ (số hồ sơ đã giải quyết + đang giải quyết) × 100.")),),
    "complained_pct": (
        Wording("negative ratings received in the period (their local day: each counted in one period only) on "
                "the dossiers, unflagged, with overall ≤ {max} or a behaviour answered no, ÷ the period's handled "
                "dossiers (resolved + pending) × 100",
                _l("Tỷ lệ hồ sơ bị phản ánh hoặc đánh giá không hài lòng (%%) = số ý kiến không hài lòng về các "
                   "hồ sơ nhận trong kỳ (theo ngày địa phương của ý kiến: mỗi ý kiến chỉ tính trong một kỳ), không "
                   "bị đánh dấu, có mức chung từ %(max)s trở xuống hoặc có một hành vi “6 biết” được trả lời "
                   "“không”, ÷ số hồ sơ đã xử lý trong kỳ (đã giải quyết + đang giải quyết) × 100.")),
        Wording("dossiers handled whose unflagged rating by the period's end had overall ≤ {max} or a behaviour "
                "answered no ÷ (resolved + pending) × 100",
                _l("Tỷ lệ hồ sơ bị phản ánh hoặc đánh giá không hài lòng (%%) = số hồ sơ đã xử lý có ý kiến đánh "
                   "giá (không bị đánh dấu) đến hết kỳ ở mức chung từ %(max)s trở xuống hoặc có một hành vi "
                   "“6 biết” được trả lời “không” ÷ (số hồ sơ đã giải quyết + đang giải quyết) × 100.")),
    ),
    "tthc_satisfaction_pct": (Wording(
        "100 − (overdue_pct + complained_pct), not below 0 (QĐ 766/QĐ-TTg)",
        _l("Mức độ hài lòng về giải quyết TTHC (%%) = 100 − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ bị phản ánh hoặc "
           "đánh giá không hài lòng), không thấp hơn 0 (QĐ 766/QĐ-TTg).")),),
    "points": (Wording(
        "{points} × min(1, tthc_satisfaction_pct ÷ {full_at})",
        _l("Điểm = %(points)s × min(1, mức độ hài lòng về giải quyết TTHC ÷ %(full_at)s): đủ %(points)s điểm khi "
           "mức độ hài lòng từ %(full_at)s%% trở lên, thấp hơn thì giảm theo tỷ lệ.")),),
    "tthc_results": (
        Wording("Biểu II.06a (TT 01/2020/TT-VPCP): received = online + in person or by post + carried over = "
                "resolved + pending + cancelled; `own` (the unit's own desk) and `children` add up to the unit",
                _l("Biểu II.06a (TT 01/2020/TT-VPCP): số hồ sơ nhận = trực tuyến + trực tiếp, bưu chính + kỳ "
                   "trước chuyển sang = đã giải quyết + đang giải quyết + hủy trong kỳ; dòng “tại chính đơn vị” "
                   "cộng các đơn vị trực thuộc bằng dòng của đơn vị.")),
        Wording("Biểu II.06a (TT 01/2020/TT-VPCP): received = online + in person or by post + carried over; "
                "resolved by return day against the due day (late as the e-system flags it); pending and overdue "
                "judged at the period's end",
                _l("Biểu II.06a (TT 01/2020/TT-VPCP): số hồ sơ nhận = trực tuyến + trực tiếp, bưu chính + kỳ "
                   "trước chuyển sang; hồ sơ đã giải quyết xét theo ngày trả kết quả so với ngày hẹn trả (quá hạn "
                   "theo cờ của hệ thống một cửa điện tử); hồ sơ đang giải quyết và quá hạn xét khi kết thúc kỳ.")),
    ),
    "resolved": (
        Wording("resolved by the e-system's finish date (resolved_at, ngày kết thúc xử lý), else the day the result "
                "was returned; " + RESOLVED_RULE,
                _l("Hồ sơ đã giải quyết: tính theo ngày kết thúc xử lý trên hệ thống một cửa điện tử, nếu không có "
                   "thì theo ngày trả kết quả; trước hạn, đúng hạn hay quá hạn: so ngày làm xong với ngày hẹn trả, "
                   "theo ngày địa phương; cờ quá hạn của hệ thống một cửa điện tử được ưu tiên theo cả hai chiều; "
                   "hồ sơ không có hạn giải quyết và không có cờ được đếm riêng ở cột “không có hạn”.")),
        Wording("resolved by the day the result was returned to the citizen (returned_at); " + RESOLVED_RULE,
                _l("Hồ sơ đã giải quyết: tính theo ngày trả kết quả cho người dân; trước hạn, đúng hạn hay quá "
                   "hạn: so ngày làm xong với ngày hẹn trả, theo ngày địa phương; cờ quá hạn của hệ thống một cửa "
                   "điện tử được ưu tiên theo cả hai chiều; hồ sơ không có hạn giải quyết và không có cờ được đếm "
                   "riêng ở cột “không có hạn”.")),
    ),
    "pending": (Wording(
        "not resolved by the period's end: overdue when its due day ended before the period's end (or today while "
        "it runs) or the e-system flags it late while still out; no due date: no_due_date",
        _l("Hồ sơ đang giải quyết: chưa giải quyết xong khi kết thúc kỳ; quá hạn khi ngày hẹn trả đã hết trước khi "
           "kết thúc kỳ (hoặc trước hôm nay nếu kỳ chưa kết thúc) hoặc hệ thống một cửa điện tử đánh dấu quá hạn "
           "khi hồ sơ chưa xong; hồ sơ không có hạn giải quyết được đếm riêng ở cột “không có hạn”.")),),
    "cancelled": (Wording(
        "a cancelled dossier leaves the counts from its cancellation day: counted as cancelled in that day's "
        "period, not at all after it, as it stood in any period that ended before it; cancelled with no date "
        "recorded (before dates were kept): in no period",
        _l("Hồ sơ bị hủy ra khỏi các con số từ ngày hủy: được đếm là “hủy trong kỳ” ở kỳ có ngày hủy, không được "
           "đếm ở các kỳ sau, và vẫn được đếm như lúc chưa hủy ở các kỳ đã kết thúc trước ngày hủy; hồ sơ hủy "
           "không ghi ngày (trước khi hệ thống lưu ngày hủy) không thuộc kỳ nào.")),),
    "complaints_on_time_pct": (Wording(
        "cases answered by their due working day ÷ (answered + pending overdue) × 100",
        _l("Tỷ lệ phản ánh, kiến nghị trả lời đúng hạn (%%) = số phản ánh được trả lời đến hết ngày làm việc hạn "
           "÷ (số đã trả lời + số đang xử lý đã quá hạn) × 100.")),),
}
# A compiled report's `method.compiled`: what compiling does (`reports/compiled.py`).
COMPILED_WORDINGS: dict[str, tuple[Wording, ...]] = {
    "basis": (Wording(
        "each count is the sum of the counts in the accepted snapshots listed in compiled_from; every percentage, "
        "mean and QĐ 766 indicator is worked out again from the sums by the formulas below, never averaged from "
        "the children's percentages",
        _l("Mỗi số đếm là tổng các số đếm trong các báo cáo đã tiếp nhận của đơn vị trực thuộc; mọi tỷ lệ, điểm "
           "trung bình và chỉ số theo QĐ 766 được tính lại từ các tổng theo công thức dưới đây, không lấy trung "
           "bình tỷ lệ của các đơn vị.")),),
    "satisfaction": (Wording(
        "responses, overall answers per level, each element's answers per level, each behaviour's yes / no / "
        "unknown, by channel and excluded are summed; verified and unverified: responses only (a snapshot carries "
        "their percentages, not their counts, so those read null)",
        _l("Số ý kiến, số câu trả lời theo từng mức (chung và từng yếu tố), số “có / không / không rõ” của từng "
           "hành vi, số ý kiến theo kênh và số ý kiến bị loại được cộng dồn; với ý kiến có và không gắn hồ sơ "
           "chỉ cộng số ý kiến (báo cáo của đơn vị ghi tỷ lệ, không ghi số đếm, nên các tỷ lệ này để trống).")),),
    "tthc_results": (Wording(
        "Biểu II.06a, every column: the unit's row, one row per compiled child (its snapshot's own), per procedure "
        "and per field; a snapshot filed before dossiers carried a field counts whole under Khác",
        _l("Biểu II.06a, mọi cột: dòng của đơn vị, mỗi đơn vị trực thuộc được tổng hợp một dòng (lấy từ báo cáo "
           "của đơn vị đó), theo thủ tục và theo lĩnh vực; báo cáo nộp trước khi hồ sơ có lĩnh vực được tính cả "
           "vào dòng “Khác”.")),),
    "own_records": (Wording(
        "dossiers registered and ratings given at this unit itself, outside every filing child (its own desk, and "
        "a child split away by the period's end, which files no more), are read live and counted in every sum, and "
        "shown as tthc_results.own: no child's report holds them",
        _l("Hồ sơ tiếp nhận và ý kiến đánh giá tại chính đơn vị (ngoài mọi đơn vị trực thuộc còn nộp báo cáo, ví dụ "
           "Trung tâm Phục vụ hành chính công của tỉnh, và đơn vị trực thuộc đã chia tách trước khi hết kỳ, không "
           "còn nộp báo cáo) được tính theo số liệu hiện có, cộng vào mọi tổng và ghi ở dòng “Tại chính đơn vị”: "
           "không báo cáo nào của đơn vị trực thuộc có các số liệu này.")),
        Wording(
        "dossiers registered and ratings given at this unit itself, outside every child (its own desk), are read "
        "live and counted in every sum, and shown as tthc_results.own: no child's report holds them",
        _l("Hồ sơ tiếp nhận và ý kiến đánh giá tại chính đơn vị (ngoài mọi đơn vị trực thuộc, ví dụ Trung tâm "
           "Phục vụ hành chính công của tỉnh) được tính theo số liệu hiện có, cộng vào mọi tổng và ghi ở dòng "
           "“Tại chính đơn vị”: không báo cáo nào của đơn vị trực thuộc có các số liệu này.")),),
    "which_units": (Wording(
        "a unit with child units files a compiled report; a unit without (a commune) files a live one",
        _l("Đơn vị có đơn vị trực thuộc nộp báo cáo tổng hợp; đơn vị không có đơn vị trực thuộc (cấp xã) nộp báo "
           "cáo lập từ số liệu của chính mình.")),),
    "reproducible": (Wording(
        "rebuilt from the same snapshots the figures are the same; a child accepted later changes the draft, never "
        "a submitted version",
        _l("Tổng hợp lại từ cùng các báo cáo thì được cùng số liệu; báo cáo của đơn vị trực thuộc được tiếp nhận "
           "sau chỉ làm thay đổi bản nháp, không làm thay đổi phiên bản đã nộp.")),),
}
ASSUMPTIONS_LEAD = _l("Các giá trị dưới đây là giả định: không văn bản công khai nào quy định chúng, nên mỗi giá trị "
                      "là một thiết lập của hệ thống (tên thiết lập ghi trong ngoặc) và có thể đổi khi có quy định.")
ASSUMPTION_READINGS = {
    "REPORT_766_TTHC_POINTS": _l("Số điểm của tiêu chí hài lòng về giải quyết TTHC theo QĐ 766 (phụ lục của quyết "
                                 "định chưa được công khai): %(value)s"),
    "REPORT_766_FULL_AT_PCT": _l("Mức độ hài lòng về giải quyết TTHC (%%) từ đó tiêu chí đạt đủ điểm: %(value)s"),
    "REPORT_NEGATIVE_OVERALL_MAX": _l("Mức chung cao nhất (thang 1–5) được tính là “không hài lòng” với một hồ "
                                      "sơ: %(value)s"),
    "CASE_SLA_WORKING_DAYS": _l("Số ngày làm việc để trả lời một phản ánh, kiến nghị (QĐ 766: tối đa 15): "
                                "%(value)s"),
    "REPORT_RESOLVED_BY": _l("Căn cứ xác định hồ sơ đã giải quyết: %(value)s"),
    "REPORT_DEADLINE_WORKING_DAYS": _l("Số ngày làm việc sau khi kết thúc kỳ mà cấp xã phải nộp báo cáo: "
                                       "%(value)s"),
    "REPORT_DEADLINE_TIER_WORKING_DAYS": _l("Số ngày làm việc mỗi cấp trên nộp sau cấp dưới liền kề: %(value)s"),
}
RESOLVED_BY_VALUES = {"finish": _l("ngày kết thúc xử lý trên hệ thống một cửa điện tử"),
                      "return": _l("ngày trả kết quả cho người dân")}


def number(value: object) -> str:
    """A value as the reader's locale writes it (18.0 → "18", 2.5 → "2,5" in Vietnamese)."""
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return as_stored(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, format="#,##0.##")


def as_stored(value: object) -> str:
    """Any value, readably: a mapping as "key: value; …", a list joined by commas."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {as_stored(inner)}" for key, inner in value.items())
    if isinstance(value, list):
        return ", ".join(as_stored(inner) for inner in value)
    if value is None:
        return "–"
    return str(value)


def _stored(key: str, value: object) -> Sentence:
    return Sentence(key, f"{key}: {as_stored(value)}", read=False)


def _assumptions(items: object) -> list[Sentence]:
    if not isinstance(items, dict):
        return [_stored("assumptions", items)]
    sentences = [Sentence("assumptions", str(ASSUMPTIONS_LEAD))]
    for name, item in items.items():
        value = item.get("value") if isinstance(item, dict) else item
        reading = ASSUMPTION_READINGS.get(name)
        if reading is None:
            sentences.append(_stored(f"assumptions.{name}", item))
            continue
        shown = RESOLVED_BY_VALUES.get(value) if name == "REPORT_RESOLVED_BY" else None
        text = str(reading) % {"value": str(shown) if shown is not None else number(value)}
        sentences.append(Sentence(f"assumptions.{name}", f"{text} ({name})."))
    return sentences


def _worded(key: str, text: object, wordings: tuple[Wording, ...]) -> Sentence:
    for wording in wordings:
        reading = wording.read(text)
        if reading is not None:
            return Sentence(key, reading)
    return _stored(key, text)


def sentences(method: dict) -> list[tuple[object, Sentence]]:
    """(heading, sentence) for every key of `method`, in the method's own order."""
    out: list[tuple[object, Sentence]] = []
    for key, value in method.items():
        if key in VALUES and not isinstance(value, (dict, list)):
            heading, reading = VALUES[key]
            out.append((heading, Sentence(key, str(reading) % {"value": number(value)})))
        elif key in TEXTS:
            heading, wordings = TEXTS[key]
            said = _worded(key, value, wordings)
            out.append((heading if said.read else OTHER, said))
        elif key == "formulas" and isinstance(value, dict):
            for name, text in value.items():
                said = _worded(f"formulas.{name}", text, FORMULA_WORDINGS.get(name, ()))
                out.append((FORMULAS if said.read else OTHER, said))
        elif key == "compiled" and isinstance(value, dict):
            for name, text in value.items():
                said = _worded(f"compiled.{name}", text, COMPILED_WORDINGS.get(name, ()))
                out.append((COMPILED if said.read else OTHER, said))
        elif key == "assumptions":
            out += [(ASSUMED if said.read else OTHER, said) for said in _assumptions(value)]
        else:
            out.append((OTHER, _stored(key, value)))
    return out


def _place(key: str) -> int:
    """Where a key's sentence stands in its paragraph: in the order of the tables above,
    whatever order the method's JSON was written or read back in (a JSON reader may sort
    keys); what no table knows comes last, in the method's own order."""
    section, _dot, name = key.partition(".")
    order = {"source": 0, "scope": 1, "instrument_version": 2, "timezone": 3, "ratings_not_yet_counted": 4,
             "satisfied_min_level": 5, "min_answers": 6, "excluded": 7, "small_cells": 8, "integrity": 9}
    if section == "formulas" and name in FORMULA_WORDINGS:
        return 100 + list(FORMULA_WORDINGS).index(name)
    if section == "compiled" and name in COMPILED_WORDINGS:
        return 50 + list(COMPILED_WORDINGS).index(name)
    if section == "assumptions":
        return 200 + (list(ASSUMPTION_READINGS).index(name) + 1 if name in ASSUMPTION_READINGS else 0)
    return order.get(key, 1000)


def paragraphs(method: dict) -> list[Paragraph]:
    """The method as titled paragraphs, in the current locale: source and scope, rules,
    formulas, assumptions, integrity, then whatever was shown as stored."""
    said = sorted(sentences(method if isinstance(method, dict) else {}),
                  key=lambda item: _place(item[1].key) if item[1].read else 1000)
    return [Paragraph(str(heading), tuple(s for h, s in said if h is heading))
            for heading in HEADINGS if any(h is heading for h, _s in said)]


def unread(method: dict) -> list[str]:
    """The keys of `method` no wording here reads (shown as stored)."""
    return [s.key for _h, s in sentences(method) if not s.read]


def file_rows(method: dict) -> list[list[str]]:
    """The method as the files print it, in Vietnamese: (heading, sentence, method key) rows."""
    with force_locale("vi"):
        return [[paragraph.heading, sentence.text, sentence.key]
                for paragraph in paragraphs(method) for sentence in paragraph.sentences]
