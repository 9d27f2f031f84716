"""Small builders for units, counters and officers, so tests read as the domain."""
from __future__ import annotations

from feedback_service.extensions import db
from feedback_service.models import Counter, Officer, Unit


def unit(code: str, name: str | None = None, parent: Unit | None = None, kind: str = "xã") -> Unit:
    row = Unit(code=code, name=name or f"Đơn vị {code}", kind=kind, parent_id=parent.id if parent else None)
    db.session.add(row)
    db.session.commit()
    return row


def counter(unit_row: Unit, code: str = "Q1", name: str | None = None) -> Counter:
    row = Counter(unit_id=unit_row.id, code=code, name=name or f"Quầy {code}")
    db.session.add(row)
    db.session.commit()
    return row


def officer(counter_row: Counter, code: str, name: str | None = None) -> Officer:
    row = Officer(code=code, name=name or f"Cán bộ {code}", unit_id=counter_row.unit_id, counter_id=counter_row.id)
    db.session.add(row)
    db.session.commit()
    return row


def tree():
    """Province 04 → commune 01273 (counters Q1, Q2) and commune 01279 (Q1)."""
    province = unit("04", "Tỉnh Cao Bằng", kind="tỉnh")
    commune_a = unit("01273", "Phường Thục Phán", province, kind="phường")
    commune_b = unit("01279", "Phường Nùng Trí Cao", province, kind="phường")
    return province, commune_a, commune_b


def create_key(runner, code: str, name: str = "Một cửa điện tử", scope: str | None = None) -> str:
    """An API key for the unit `code`, issued by the real CLI (its last output line);
    `scope="reports"` makes a key that reads the internal copy of reports."""
    result = runner.invoke(args=["clients", "create", "--unit", code, "--name", name,
                                 *(["--scope", scope] if scope else [])])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]
