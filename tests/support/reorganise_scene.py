"""A province with one merger and one split recorded from CSV, with ratings and dossiers
given before and after the effective date.

Province 04 holds 01273 (Z) and 01279 (A) from `factories.tree`, plus:
- 01290 (X), merged into Z from 2026-03-10;
- 01300 (W), split into A and a new 01301 (B) from 2026-03-10, its counter W1 going to A
  and W2 to B.
Before the date (1 March): 6 ratings at X, 7 at W (4 at W1, 3 at W2), 5 at Z, 5 at A, and a
dossier received at each of X, W and Z. The plan is recorded on 20 March; after it, 5 more
ratings at W1 (now A's) and 5 at X's counter (now Z's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from factories import counter, tree, unit
from ratings_helpers import submit_many

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Counter, Dossier, Unit
from feedback_service.summaries.fold import fold_all

LOCAL = timezone(timedelta(hours=7))
BEFORE = datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL)
EFFECTIVE = "2026-03-10"
RECORDED = datetime(2026, 3, 20, 9, 0, tzinfo=LOCAL)
PLAN = """effective_date,old_code,new_code
2026-03-10,01290,01273
2026-03-10,01300,01279
2026-03-10,01300,01301
"""


@dataclass
class Scene:
    province: Unit
    merged: Unit  # X
    successor: Unit  # Z
    split: Unit  # W
    part_a: Unit  # A
    part_b: Unit  # B
    x_desk: Counter
    w1: Counter
    w2: Counter
    plan: Path
    counters: Path

    def reload(self) -> Scene:
        db.session.expire_all()
        return self


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def build(client, tmp_path: Path, split_ratings: tuple[int, int] = (4, 3)) -> Scene:
    """Everything before the plan is recorded (clock at 1 March); `split_ratings` are W1's and W2's."""
    with clock.running_from(BEFORE):
        province, successor, part_a = tree()
        merged, split = unit("01290", "Xã Cũ Sáp Nhập", province), unit("01300", "Phường Cũ Chia Tách", province)
        part_b = unit("01301", "Phường Mới Tách", province, kind="phường")
        x_desk, w1, w2 = counter(merged), counter(split, "W1"), counter(split, "W2")
        z_desk, a_desk = counter(successor), counter(part_a)
        submit_many(client, [x_desk], 6, seed=1)
        for desk, n, seed in ((w1, split_ratings[0], 2), (w2, split_ratings[1], 3)):
            if n:
                submit_many(client, [desk], n, seed=seed)
        submit_many(client, [z_desk], 5, seed=4)
        submit_many(client, [a_desk], 5, seed=5)
        for index, place in enumerate((merged, split, successor)):
            moment = BEFORE.astimezone(timezone.utc)
            db.session.add(Dossier(code=f"H04-260301-{index:04d}", unit_id=place.id, procedure_code="1.0001",
                                   procedure_name="Chứng thực", channel="in_person",
                                   received_at=moment, received_day=BEFORE.date()))
        db.session.commit()
        fold_all(1000)
    counters = write(tmp_path / "counters.csv", f"counter_id,new_code\n{w1.id},01279\n{w2.id},01301\n")
    return Scene(province, merged, successor, split, part_a, part_b, x_desk, w1, w2,
                 write(tmp_path / "plan.csv", PLAN), counters)


def record(runner, scene: Scene):
    """`flask units reorganise` on 20 March, as an operator runs it."""
    with clock.running_from(RECORDED):
        result = runner.invoke(args=["units", "reorganise", str(scene.plan), "--counters", str(scene.counters)])
    assert result.exit_code == 0, result.output
    return result


def after(client, scene: Scene) -> None:
    """Ratings after the plan took effect, at counters that moved (21 March)."""
    with clock.running_from(RECORDED + timedelta(days=1)):
        submit_many(client, [scene.w1], 5, seed=6)
        submit_many(client, [scene.x_desk], 5, seed=7)
        fold_all(1000)
