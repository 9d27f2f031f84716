"""`flask dossiers import`: historical dossiers from CSV, bad rows reported, reruns harmless."""
from __future__ import annotations

import pytest
from factories import counter, officer, tree

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Dossier

HEADER = ("code,unit_code,counter_code,officer_code,procedure_code,procedure_name,"
          "received_at,due_at,channel,returned_at,late")

GOOD = [
    "H15.50.05.13-260105-0001,01273,Q1,CB-A,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,"
    "2026-01-07T17:00:00+07:00,in_person,2026-01-07T23:30:00+07:00,false",
    "H15.50.05.13-260105-0002,01273,,,1.001235,\"Chứng thực bản sao, chữ ký\",2026-01-05T09:00:00+07:00,,"
    "online,,",
    "H15.50.05.13-260105-0003,01273,Q1,,1.001234,Đăng ký khai sinh,2026-01-05T10:00:00Z,"
    "2026-01-06T17:00:00+07:00,post,2026-01-09T10:00:00+07:00,có",
]
BAD = [
    ("junk,01273,Q1,CB-A,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,", "code"),
    ("H15.50.05.13-260105-0004,01273,Q9,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,",
     "counter_code"),
    ("H15.50.05.13-260105-0005,01273,,CB-B,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,",
     "officer_code"),
    ("H15.50.05.13-260105-0006,01273,,,1.001234,Đăng ký khai sinh,2026-01-05 08:00,,in_person,,",
     "received_at"),
    ("H15.50.05.13-260105-0007,1273,,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,",
     "did you mean 01273?"),
    ("H15.50.05.13-260105-0008,01273,,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,fax,,", "channel"),
    ("H15.50.05.13-260105-0009,01273,,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,maybe",
     "late"),
    ("H15.50.05.13-260105-0010,01273,,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,"
     "2026-01-01T08:00:00+07:00,", "returned_at"),
    ("H15.50.05.13-260105-0001,01273,,,1.001234,Đăng ký khai sinh,2026-01-05T08:00:00+07:00,,in_person,,",
     "duplicate of line 2"),
    ("H15.50.05.13-260105-0011,01273,,,,,2026-01-05T08:00:00+07:00,,in_person,,", "procedure_code"),
    ("H15.50.05.13-260105-0012,01273", "expected 11 fields"),
]


@pytest.fixture
def units(app):
    _, commune_a, commune_b = tree()
    officer(counter(commune_a, "Q1"), "CB-A")
    officer(counter(commune_b, "Q1"), "CB-B")
    return commune_a, commune_b


def write(tmp_path, lines: list[str], name: str = "dossiers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_good_rows_kept_bad_rows_reported_with_lines(runner, units, tmp_path):
    path = write(tmp_path, GOOD + [line for line, _ in BAD])
    result = runner.invoke(args=["dossiers", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "dossiers: 3 created, 0 updated, 0 unchanged, 11 rejected" in result.output
    for number, (_, reason) in enumerate(BAD, start=len(GOOD) + 2):
        line = next(line for line in result.output.splitlines() if line.startswith(f"{path}:{number}:"))
        assert reason in line, line
    dossiers = {d.code: d for d in db.session.query(Dossier)}
    assert sorted(dossiers) == ["H15.50.05.13-260105-0001", "H15.50.05.13-260105-0002", "H15.50.05.13-260105-0003"]
    first = dossiers["H15.50.05.13-260105-0001"]
    assert first.counter.code == "Q1" and first.officer.code == "CB-A" and first.late is False
    # 23:30 in Hà Nội: the local day, not the UTC one.
    assert str(first.returned_day) == "2026-01-07"
    second = dossiers["H15.50.05.13-260105-0002"]
    assert second.procedure_name == "Chứng thực bản sao, chữ ký" and second.counter_id is None
    assert second.due_at is None and second.returned_at is None and second.late is None
    assert dossiers["H15.50.05.13-260105-0003"].late is True
    entries = db.session.query(AuditEntry).filter(AuditEntry.action.like("dossier.%")).all()
    assert {entry.actor for entry in entries} == {"cli"}
    # A rejected row leaves no trace in the audit log.
    assert {e.target for e in entries if e.action == "dossier.create"} == {f"dossier:{code}" for code in dossiers}


def test_second_run_changes_nothing_and_later_facts_update(runner, units, tmp_path):
    path = write(tmp_path, GOOD)
    assert runner.invoke(args=["dossiers", "import", str(path)]).exit_code == 0
    audited = db.session.query(AuditEntry).count()
    again = runner.invoke(args=["dossiers", "import", str(path)])
    assert again.exit_code == 0 and "0 created, 0 updated, 3 unchanged, 0 rejected" in again.output
    assert db.session.query(Dossier).count() == 3 and db.session.query(AuditEntry).count() == audited

    # The export taken a week later knows the second dossier was returned late.
    later = GOOD[1].removesuffix("online,,") + "online,2026-01-12T10:00:00+07:00,true"
    result = runner.invoke(args=["dossiers", "import", str(write(tmp_path, [later], "later.csv"))])
    assert "0 created, 1 updated, 0 unchanged" in result.output
    db.session.expire_all()
    returned = db.session.query(Dossier).filter_by(code="H15.50.05.13-260105-0002").one()
    assert returned.late is True and str(returned.returned_day) == "2026-01-12"


def test_conflicting_row_is_reported_not_applied(runner, units, tmp_path):
    runner.invoke(args=["dossiers", "import", str(write(tmp_path, GOOD))])
    changed = GOOD[1].replace(",online,", ",post,")
    result = runner.invoke(args=["dossiers", "import", str(write(tmp_path, [changed], "changed.csv"))])
    assert result.exit_code == 1
    assert "already registered with another channel" in result.output
    assert db.session.query(Dossier).filter_by(code="H15.50.05.13-260105-0002").one().channel == "online"


def test_thousands_of_rows_with_progress(runner, units, tmp_path):
    lines = [f"H15.50.05.13-260105-{n:04d},01273,Q1,CB-A,1.001234,Đăng ký khai sinh,"
             f"2026-01-05T08:00:00+07:00,,in_person,,false" for n in range(1, 2501)]
    result = runner.invoke(args=["dossiers", "import", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert "1000/2500 rows" in result.output and "2500/2500 rows" in result.output
    assert "2500 created" in result.output
    assert db.session.query(Dossier).count() == 2500


@pytest.mark.parametrize("content, message", [
    ("code,unit_code\nx,y\n", "wrong header"),
    ("", "empty"),
])
def test_unusable_files_import_nothing(runner, units, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["dossiers", "import", str(path)])
    assert result.exit_code == 2 and message in result.output
    assert runner.invoke(args=["dossiers", "import", str(tmp_path / "missing.csv")]).exit_code == 2
