"""`flask units reorganise`: a split and a merger from CSV, with dates.

The scene (tests/support/reorganise_scene.py): X merged into Z and W split into A and B
from 10 March, recorded on 20 March; ratings before and after.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import create_key
from ratings_helpers import submit_many
from reorganise_scene import BEFORE, RECORDED, after, build, record, write

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Counter, CounterMove, Rating, Unit, UnitSuccession
from feedback_service.summaries.fold import apply_due_reorganisations, fold_all
from feedback_service.summaries.read import unit_summary


@pytest.fixture
def scene(client, tmp_path):
    return build(client, tmp_path)


def _own(unit):
    with clock.running_from(RECORDED + timedelta(days=2)):
        return unit_summary(db.session.get(Unit, unit.id), None, None)


def _state():
    """Everything the command may write, to show that a refused or repeated run wrote nothing."""
    db.session.expire_all()
    return (sorted((u.code, u.successor_id, u.active) for u in db.session.query(Unit)),
            sorted((c.id, c.unit_id, c.code) for c in db.session.query(Counter)),
            db.session.query(UnitSuccession).count(), db.session.query(CounterMove).count(),
            db.session.query(AuditEntry).count())


@pytest.mark.postgres_too
def test_a_merger_and_a_split_take_effect_with_their_history(scene, runner, client):
    before = {u.code: _own(u)["responses"] for u in (scene.merged, scene.split, scene.successor, scene.part_a)}
    output = record(runner, scene).output
    assert "successions: 3 recorded, 0 already recorded" in output
    assert "took effect: 01290, 01300" in output
    scene.reload()
    assert scene.merged.successor_id == scene.successor.id and not scene.merged.active
    assert scene.split.successor_id is None and not scene.split.active
    assert scene.split.parent_id == scene.province.id  # it stays where it stood: its history is not divided
    assert (scene.w1.unit_id, scene.w2.unit_id, scene.x_desk.unit_id) == (
        scene.part_a.id, scene.part_b.id, scene.successor.id)
    after(client, scene)

    # The old units' own history is what it was.
    assert _own(scene.merged)["responses"] == before["01290"] == 6
    assert _own(scene.split)["responses"] == before["01300"] == 7
    # The merged unit's history is inside its successor, marked as merged and counted.
    z = _own(scene.successor)
    assert z["responses"] == 5 + 6 + 5
    [merged] = z["history"]
    assert (merged["code"], merged["relation"], merged["counted_in_figures"], merged["effective_date"],
            merged["responses"]) == ("01290", "merged", True, "2026-03-10", 6)
    # The split unit's history is shared by both successors and counted in neither.
    for part, own in ((scene.part_a, 5 + 5), (scene.part_b, 0)):
        summary = _own(part)
        assert summary["responses"] == own
        [shared] = summary["history"]
        assert (shared["code"], shared["relation"], shared["counted_in_figures"], shared["responses"]) == (
            "01300", "shared", False, 7)
        other = ({"01279", "01301"} - {part.code}).pop()
        assert [u["code"] for u in shared["shared_with"]] == [other]
    # The province counts everything once.
    assert _own(scene.province)["responses"] == 6 + 7 + 5 + 5 + 5 + 5
    # The old units say where they went.
    assert _own(scene.split)["reorganised"] == {
        "kind": "split", "effective_date": "2026-03-10",
        "into": [{"code": "01279", "name": scene.part_a.name}, {"code": "01301", "name": scene.part_b.name}]}
    assert _own(scene.merged)["reorganised"]["kind"] == "merger"


def test_ratings_before_the_date_stay_and_after_it_follow_the_counter(scene, runner, client):
    record(runner, scene)
    after(client, scene)
    given = {(r.counter_id, r.local_day >= BEFORE.date() + timedelta(days=9), r.unit_id)
             for r in db.session.query(Rating)}
    assert (scene.w1.id, False, scene.split.id) in given and (scene.w1.id, True, scene.part_a.id) in given
    assert (scene.x_desk.id, False, scene.merged.id) in given and (scene.x_desk.id, True, scene.successor.id) in given
    assert not {(c, late, u) for c, late, u in given if late and u in (scene.split.id, scene.merged.id)}


@pytest.mark.postgres_too
def test_running_it_twice_changes_nothing_twice(scene, runner):
    record(runner, scene)
    state = _state()
    output = record(runner, scene).output
    assert "successions: 0 recorded, 3 already recorded" in output and "counter moves: 0 recorded" in output
    assert _state() == state


@pytest.mark.parametrize(("plan", "counters", "expected"), [
    ("effective_date,old_code,new_code\n2026-03-10,01290,01273\n2026-31-12,01300,01279\n", None,
     "plan.csv:3: effective_date '2026-31-12' is not a date"),
    ("effective_date,old_code,new_code\n2026-03-10,01290,01273\n2026-03-10,1300,01279\n", None,
     "plan.csv:3: unknown unit 1300 (did you mean 01300?"),
    ("effective_date,old_code,new_code\n2026-03-10,01290,01273\n2026-03-10,01290,01273\n", None,
     "plan.csv:3: repeats line 2"),
    ("effective_date,old_code,new_code\n2026-03-10,01300,01279\n2026-03-11,01300,01301\n", None,
     "plan.csv:3: 01300 takes effect on 2026-03-10 on line 2"),
    ("effective_date,old_code,new_code\n2026-03-10,01300,01279\n2026-03-10,01300,01301\n", None,
     "plan.csv:2: 01300 is split into 01279, 01301: name the successor of its counters"),
    ("effective_date,old_code,new_code\n2026-03-10,04,01273\n", None,
     "plan.csv:2: 01273 is inside 04: the tree would loop"),
    ("effective_date,old_code,new_code\n2026-03-10,01300,01279\n2026-03-10,01300,01301\n",
     "counter_id,new_code\n{w1},01279\n{w2},01273\n", "counters.csv:3: 01273 is not a successor of 01300"),
    ("effective_date,old_code,new_code\n2026-03-10,01300,01279\n2026-03-10,01300,01301\n",
     "counter_id,new_code\n{w1},01279\n{w1},01301\n", "counters.csv:3: counter {w1} is already named on line 2"),
    ("effective_date,old_code,new_code\n2026-03-10,01300,01279\n2026-03-10,01300,01301\n",
     "counter_id,new_code\n{x},01279\n", "counters.csv:2: counter {x} (Q1) is not a counter of an old unit"),
    ("effective_date,old_code,new_code\n2026-03-10,01290,01273\n2026-03-10,01273,01279\n", None,
     "plan.csv:2: 01273 is an old unit on line 3 and a new one here"),
    ("effective_date,old_code,new_code\n\n", None, "plan.csv: no reorganisation in the file"),
    ("effective_date,old_code,new_code\n1999-12-31,01290,01273\n", None,
     "plan.csv:2: effective_date 1999-12-31 is outside 2000-01-01"),
    ("effective_date;old_code;new_code\n2026-03-10;01290;01273\n", None, "the fields are separated by ';'"),
])
def test_every_problem_has_its_line_and_nothing_changes(scene, runner, tmp_path, plan, counters, expected):
    ids = {"w1": scene.w1.id, "w2": scene.w2.id, "x": scene.x_desk.id}
    args = ["units", "reorganise", str(write(tmp_path / "plan.csv", plan))]
    if counters:
        args += ["--counters", str(write(tmp_path / "counters.csv", counters.format(**ids)))]
    state = _state()
    with clock.running_from(RECORDED):
        result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert expected.format(**ids) in result.output, result.output
    assert "nothing recorded" in result.output
    assert _state() == state


def test_a_recorded_reorganisation_is_not_rewritten(scene, runner, tmp_path):
    record(runner, scene)
    state = _state()
    other = write(tmp_path / "other.csv", "effective_date,old_code,new_code\n2026-03-10,01300,01279\n")
    with clock.running_from(RECORDED):
        result = runner.invoke(args=["units", "reorganise", str(other)])
    assert result.exit_code == 2
    assert "other.csv:2: 01300 was already reorganised on 2026-03-10 into 01279, 01301" in result.output
    assert _state() == state


@pytest.mark.postgres_too
def test_a_plan_recorded_ahead_takes_effect_on_its_date(scene, runner, client, tmp_path):
    plan = write(tmp_path / "ahead.csv", PLAN_AHEAD)
    with clock.running_from(RECORDED):
        result = runner.invoke(args=["units", "reorganise", str(plan), "--all-counters-to", "01301"])
        assert result.exit_code == 0, result.output
        assert "took effect: none (none due yet" in result.output
        submit_many(client, [scene.w1], 2, seed=8)  # the day before: still W's
    scene.reload()
    assert scene.split.active and scene.w1.unit_id == scene.split.id
    with clock.running_from(RECORDED + timedelta(days=1)):
        submit_many(client, [scene.w1], 3, seed=9)  # on the day, before the scheduler ran: B's already
        assert apply_due_reorganisations().old_codes == ["01300"]
        fold_all(1000)
    scene.reload()
    assert not scene.split.active and scene.w1.unit_id == scene.w2.unit_id == scene.part_b.id
    days = sorted((r.local_day.isoformat(), r.unit_id) for r in db.session.query(Rating).filter_by(counter_id=scene.w1.id))
    assert days.count(("2026-03-20", scene.split.id)) == 2 and days.count(("2026-03-21", scene.part_b.id)) == 3
    assert _own(scene.part_b)["responses"] == 3 and _own(scene.split)["responses"] == 7 + 2


PLAN_AHEAD = "effective_date,old_code,new_code\n21/03/2026,01300,01279\n21/03/2026,01300,01301\n"


def test_merged_counters_with_the_same_code_keep_both(scene, runner, tmp_path):
    # Z has its own "Q1": X's "Q1" keeps its old unit's code in front.
    record(runner, scene)
    scene.reload()
    codes = sorted(c.code for c in db.session.query(Counter).filter_by(unit_id=scene.successor.id))
    assert codes == ["01290-Q1", "Q1"]


def test_shared_history_on_few_answers_is_withheld_like_any_figure(client, runner, tmp_path):
    scene = build(client, tmp_path, split_ratings=(2, 1))
    record(runner, scene)
    with clock.running_from(RECORDED):
        shown = client.get("/api/v1/units/01279/summary").get_json()
        page_reader = client.get("/public/units/04?period=2026-03").get_data(as_text=True)
    [shared] = shown["history"]
    assert shared["responses"] == 3 and shared["satisfaction_pct"] is None and "satisfaction_pct" in shared["withheld"]
    assert "Phường Cũ Chia Tách" in page_reader  # named, without figures (the ranking's own rule)


def test_a_dossier_received_after_the_date_must_name_a_new_unit(scene, runner, client):
    record(runner, scene)
    key = {"Authorization": f"Bearer {create_key(runner, '04')}"}

    def send(code: str, unit_code: str, received_at: str):
        return client.post("/api/v1/dossiers", headers=key, json={
            "code": code, "unit_code": unit_code, "procedure": {"code": "1.0001", "name": "Chứng thực"},
            "received_at": received_at, "channel": "in_person"})

    with clock.running_from(RECORDED):
        late = send("H04.13-260311-0001", "01300", "2026-03-11T08:00:00+07:00")
        assert late.status_code == 422, late.get_json()
        [error] = late.get_json()["error"]["details"]
        assert error["field"] == "unit_code" and error["code"] == "reorganised_unit"
        assert "split into 01279, 01301" in error["message"]
        # A dossier it received before the date is still its own: e-systems send their backlog late.
        assert send("H04.13-260309-0001", "01300", "2026-03-09T08:00:00+07:00").status_code == 201
        assert send("H04.13-260311-0002", "01279", "2026-03-11T08:00:00+07:00").status_code == 201


def test_a_retired_counter_named_in_the_counters_file_moves_too(scene, runner, tmp_path):
    scene.w2.active = False
    db.session.commit()
    counters = write(tmp_path / "retired.csv", f"counter_id,new_code\n{scene.w1.id},01279\n{scene.w2.id},01301\n")
    with clock.running_from(RECORDED):
        result = runner.invoke(args=["units", "reorganise", str(scene.plan), "--counters", str(counters)])
    assert result.exit_code == 0, result.output
    assert "counter moves: 3 recorded" in result.output  # X's Q1, W1 and the retired W2
    scene.reload()
    assert scene.w2.unit_id == scene.part_b.id
