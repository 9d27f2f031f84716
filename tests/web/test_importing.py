"""Importing the real 2025 unit tree and counters/officers from CSV, through the CLI."""
from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path

import vietnam_provinces
from factories import counter, tree
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from feedback_service.extensions import db
from feedback_service.models import Counter, Officer, Unit


def _package_data() -> list[dict]:
    return json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text(encoding="utf-8"))


def _unit_snapshot() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id).order_by(Unit.id)
    ).all()


def _write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# --- the unit tree -------------------------------------------------------------------

def test_whole_country_imports_once_with_parents_and_padded_codes(runner):
    started = time.monotonic()
    result = runner.invoke(args=["units", "import-vn"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "provinces: 34 created, 0 updated, 0 unchanged" in result.output
    assert "communes: 3321 created, 0 updated, 0 unchanged" in result.output
    # Bulk work, not a commit per row: generous for a loaded CI box.
    assert elapsed < 10

    provinces = db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))).all()
    assert len(provinces) == 34
    assert all(len(p.code) == 2 and p.code.isdigit() for p in provinces)
    assert {p.kind for p in provinces} == {"tỉnh", "thành phố trung ương"}

    parent = aliased(Unit)
    communes = db.session.execute(
        select(Unit.code, Unit.kind, parent.code).join(parent, Unit.parent_id == parent.id)
    ).all()
    assert len(communes) == 3321
    assert all(len(code) == 5 and code.isdigit() for code, _, _ in communes)
    assert {kind for _, kind, _ in communes} == {"xã", "phường", "đặc khu"}
    expected_parents = {
        str(w["code"]).zfill(5): str(p["code"]).zfill(2) for p in _package_data() for w in p["wards"]
    }
    assert {code: parent_code for code, _, parent_code in communes} == expected_parents

    thuc_phan = Unit.by_code("01273")
    assert (thuc_phan.name, thuc_phan.kind, thuc_phan.parent.code) == ("Phường Thục Phán", "phường", "04")
    assert Unit.by_code("01").kind == "thành phố trung ương"

    before = _unit_snapshot()
    again = runner.invoke(args=["units", "import-vn"])
    assert again.exit_code == 0, again.output
    assert "provinces: 0 created, 0 updated, 34 unchanged" in again.output
    assert "communes: 0 created, 0 updated, 3321 unchanged" in again.output
    assert _unit_snapshot() == before


def test_one_province_only(runner):
    result = runner.invoke(args=["units", "import-vn", "--province", "04"])
    assert result.exit_code == 0, result.output
    cao_bang = next(p for p in _package_data() if p["code"] == 4)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1 + len(cao_bang["wards"])
    province = Unit.by_code("04")
    assert province.name == "Cao Bằng" and province.parent_id is None
    children = db.session.scalars(select(Unit.code).where(Unit.parent_id == province.id)).all()
    assert sorted(children) == sorted(str(w["code"]).zfill(5) for w in cao_bang["wards"])
    assert f"communes: {len(cao_bang['wards'])} created" in result.output


def test_province_code_without_zero_and_unknown_province(runner):
    assert runner.invoke(args=["units", "import-vn", "--province", "4"]).exit_code == 0
    assert Unit.by_code("04") is not None

    result = runner.invoke(args=["units", "import-vn", "--province", "04", "--province", "99"])
    assert result.exit_code == 2
    assert "no province with code 99" in result.output
    assert "Traceback" not in result.output


def test_reimport_repairs_changes_and_keeps_local_units(runner):
    tree()  # 04 → 01273, 01279 with made-up names
    local = Unit(code="04-TTPVHCC", name="Trung tâm Phục vụ hành chính công tỉnh", kind="trung tâm",
                 parent_id=Unit.by_code("04").id)
    db.session.add(local)
    db.session.commit()
    wrong = Unit.by_code("01279")
    wrong.name, wrong.parent_id, wrong.kind = "Tên cũ", local.id, "xã"
    db.session.commit()
    thuc_phan_id = Unit.by_code("01273").id

    result = runner.invoke(args=["units", "import-vn", "--province", "04"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert "provinces: 0 created, 1 updated" in result.output  # "Tỉnh Cao Bằng" → "Cao Bằng"
    assert Unit.by_code("01273").id == thuc_phan_id  # upsert, not a new row
    fixed = Unit.by_code("01279")
    assert (fixed.name, fixed.kind, fixed.parent.code) == ("Phường Nùng Trí Cao", "phường", "04")
    # A unit the source does not know is never deleted.
    assert Unit.by_code("04-TTPVHCC") is not None


# --- counters ----------------------------------------------------------------------------

COUNTERS_CSV = (
    "unit_code,code,name\n"
    "01273,Q1,\"Quầy 1 — Tư pháp, hộ tịch\"\n"      # line 2: good
    "1273,Q2,Quầy 2 — Đất đai\n"                     # line 3: Excel ate the zero
    "01273,Q1,Quầy 1 lần nữa\n"                      # line 4: duplicate of line 2
    "01279,,Quầy không mã\n"                         # line 5: missing code
    "\n"                                             # line 6: blank, skipped
    "01279,Q1,\"Quầy 1 — Tư pháp, hộ tịch\"\n"      # line 7: good
    f"01279,Q2,{'Đ' * 201}\n"                         # line 8: name too long
    "09999,Q1,Quầy 1\n"                              # line 9: unknown unit
    "01279,Q3\n"                                     # line 10: a field short
)


def test_counters_import_keeps_good_rows_and_reports_bad_ones(runner, tmp_path):
    tree()
    path = _write(tmp_path, "counters.csv", COUNTERS_CSV)
    result = runner.invoke(args=["counters", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output
    assert f"{path}:3: unknown unit 1273 (did you mean 01273?" in lines
    assert f"{path}:4: duplicate of line 2" in lines
    assert f"{path}:5: missing field code" in lines
    assert f"{path}:8: field name too long" in lines
    assert f"{path}:9: unknown unit 09999" in lines
    assert f"{path}:10: expected 3 fields, found 2" in lines
    assert ":6:" not in lines and ":2:" not in lines and ":7:" not in lines
    assert "counters: 2 created, 0 updated, 0 unchanged, 6 rejected" in lines

    rows = db.session.execute(
        select(Unit.code, Counter.code, Counter.name).join(Unit).order_by(Unit.code, Counter.code)
    ).all()
    assert rows == [("01273", "Q1", "Quầy 1 — Tư pháp, hộ tịch"), ("01279", "Q1", "Quầy 1 — Tư pháp, hộ tịch")]

    again = runner.invoke(args=["counters", "import", str(path)])
    assert again.exit_code == 1
    assert "counters: 0 created, 0 updated, 2 unchanged, 6 rejected" in again.output
    assert db.session.scalar(select(func.count()).select_from(Counter)) == 2


def test_counters_import_with_bom_updates_names_and_exits_zero(runner, tmp_path):
    _, thuc_phan, _ = tree()
    desk = counter(thuc_phan, "Q1", "Quầy một")
    path = _write(tmp_path, "excel.csv", "unit_code,code,name\r\n01273,Q1,Quầy 1 — Hộ tịch\r\n"
                  "01273,Q2,Quầy 2 — Đất đai\r\n,,\r\n", bom=True)
    result = runner.invoke(args=["counters", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "counters: 1 created, 1 updated, 0 unchanged, 0 rejected" in result.output
    db.session.expire_all()
    assert db.session.get(Counter, desk.id).name == "Quầy 1 — Hộ tịch"


def test_decomposed_vietnamese_is_stored_composed(runner, tmp_path):
    tree()
    name = unicodedata.normalize("NFD", "Quầy 1 — Tư pháp")
    path = _write(tmp_path, "nfd.csv", f"unit_code,code,name\n01273,Q1,{name}\n")
    assert runner.invoke(args=["counters", "import", str(path)]).exit_code == 0
    assert db.session.scalar(select(Counter.name)) == unicodedata.normalize("NFC", name)


def test_wrong_header_or_file_is_refused_without_traceback(runner, tmp_path):
    tree()
    cases = {
        "wrong header": (_write(tmp_path, "h.csv", "unit,code,name\n01273,Q1,Quầy 1\n"),
                         "wrong header 'unit,code,name' (missing unit_code; unknown unit)"),
        "semicolons": (_write(tmp_path, "s.csv", "unit_code;code;name\n01273;Q1;Quầy 1\n"),
                       "separated by ';'"),
        "not utf-8": (tmp_path / "latin.csv", "line 2 is not UTF-8"),
        "empty": (_write(tmp_path, "e.csv", ""), "the file is empty"),
        "missing": (tmp_path / "nowhere.csv", "no such file"),
        "directory": (tmp_path, "is a directory"),
    }
    # Excel's plain "CSV" on a Vietnamese Windows writes code page 1258.
    (tmp_path / "latin.csv").write_bytes("unit_code,code,name\n01273,Q1,Đông\n".encode("cp1258"))
    for label, (path, message) in cases.items():
        result = runner.invoke(args=["counters", "import", str(path)])
        assert result.exit_code == 2, label
        assert message in result.output, (label, result.output)
        assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Counter)) == 0


# --- officers ----------------------------------------------------------------------------

def test_officers_import_assigns_counters_and_reports_bad_rows(runner, tmp_path):
    _, thuc_phan, nung_tri_cao = tree()
    q1, q2 = counter(thuc_phan, "Q1"), counter(thuc_phan, "Q2")
    path = _write(tmp_path, "officers.csv", (
        "code,name,unit_code,counter_code\n"
        "CB.01273.01,Nông Thị Hoa,01273,Q1\n"        # 2 good
        "CB.01273.02,Hoàng Văn Thắng,01273,Q9\n"     # 3 unknown counter
        "CB.01273.01,Nông Thị Hoa,01273,Q2\n"        # 4 duplicate
        "CB.01279.01,Đàm Thị Lan,01279,\n"           # 5 good, no counter
        "CB.01279.02,,01279,\n"                       # 6 missing name
        "CB.01279.03,Lương Văn Tuấn,01279,Q1\n"      # 7 Q1 exists only in 01273
    ), bom=True)
    result = runner.invoke(args=["officers", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: unknown counter Q9 in unit 01273" in result.output
    assert f"{path}:4: duplicate of line 2 (officer CB.01273.01)" in result.output
    assert f"{path}:6: missing field name" in result.output
    assert f"{path}:7: unknown counter Q1 in unit 01279" in result.output
    assert "officers: 2 created, 0 updated, 0 unchanged, 4 rejected" in result.output
    hoa = db.session.scalar(select(Officer).where(Officer.code == "CB.01273.01"))
    assert (hoa.name, hoa.unit_id, hoa.counter_id) == ("Nông Thị Hoa", thuc_phan.id, q1.id)
    lan = db.session.scalar(select(Officer).where(Officer.code == "CB.01279.01"))
    assert (lan.unit_id, lan.counter_id) == (nung_tri_cao.id, None)

    # The next file moves Hoa to Q2 and sends Lan across to 01273 without a counter column.
    moved = _write(tmp_path, "moved.csv", "code,name,unit_code\n"
                   "CB.01273.01,Nông Thị Hoa,01273\nCB.01279.01,Đàm Thị Lan,01273\n")
    assert runner.invoke(args=["officers", "import", str(moved)]).exit_code == 0
    moved_back = _write(tmp_path, "back.csv", "counter_code,code,unit_code,name\n"
                        "Q2,CB.01273.01,01273,Nông Thị Hoa\n")
    result = runner.invoke(args=["officers", "import", str(moved_back)])
    assert result.exit_code == 0, result.output
    assert "officers: 0 created, 1 updated, 0 unchanged, 0 rejected" in result.output
    again = runner.invoke(args=["officers", "import", str(moved_back)])
    assert "officers: 0 created, 0 updated, 1 unchanged, 0 rejected" in again.output
    db.session.expire_all()
    assert db.session.get(Officer, hoa.id).counter_id == q2.id
    assert db.session.get(Officer, lan.id).unit_id == thuc_phan.id
    assert db.session.scalar(select(func.count()).select_from(Officer)) == 2


def test_officers_wrong_header_is_refused(runner, tmp_path):
    tree()
    path = _write(tmp_path, "o.csv", "code,name,unit_code,counter_code,phone\nCB1,A,01273,,0912\n")
    result = runner.invoke(args=["officers", "import", str(path)])
    assert result.exit_code == 2
    assert "unknown phone" in result.output
    assert "expected code,name,unit_code,counter_code" in result.output
