"""Issue 10, "Done when", for the JSON report: a demo province with a generated quarter.

The report agrees figure by figure with the summary API; Biểu II.06a and the QĐ 766
indicators agree with the dossiers as registered, recomputed here in plain Python from
the issue's definitions (not by the code under test); a submitted report's hash
verifies and breaks when one number changes; corrections after submission leave the
served snapshot byte for byte and show as differences; a commune cannot read another's.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import pytest
from dashboard_helpers import PASSWORD, log_in
from factories import create_key
from report_filing import file_report
from report_scene import HANOI, PERIOD, QUARTER_FROM, QUARTER_TO, SCENE_NOW, build_report_scene

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.people.users import create_user
from feedback_service.reports import filing, integrity
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

NEGATIVE_OVERALL_MAX, FULL_POINTS, FULL_AT = 2, 6.0, 90.0  # the configuration's defaults
HEADLINES = ("responses", "overall", "satisfaction_pct", "mean_score", "sipas_index", "conduct_score",
             "verified", "unverified", "verified_share_pct")


@pytest.fixture(scope="module")
def _clock():
    with clock.running_from(SCENE_NOW):
        yield


@pytest.fixture
def scene(_clock, app, runner):
    built = build_report_scene()
    keys = {code: create_key(runner, code, scope="reports") for code in ("04", "01273")}
    return built, keys


@pytest.fixture
def accepted(scene):
    """Every commune's report submitted and accepted: the province's report, compiled from them,
    then agrees with the live records (nothing changed since)."""
    built, _ = scene
    return {code: file_report(code, parse_period(PERIOD)) for code in built.communes}


def get(client, path, key):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def groups(scene) -> dict[str, set[str]]:
    """Each report's unit codes: the province all, each commune itself (and what was merged into it)."""
    members = {code: {code} for code in scene.communes}
    members["01273"].add(scene.merged.code)
    members["04"] = {"04", *scene.communes, scene.merged.code}
    return members


def test_the_report_agrees_with_the_summary_api_figure_by_figure(scene, accepted, client):
    built, keys = scene
    assert built.counter_ratings > 1000 and len(built.dossiers) > 1000
    for code in ("04", *built.communes):
        report = get(client, f"/api/v1/units/{code}/report?period={PERIOD}", keys["04"]).get_json()
        summary = get(client, f"/api/v1/units/{code}/summary?from={QUARTER_FROM}&to={QUARTER_TO}",
                      keys["04"]).get_json()
        assert report["period"]["from"] == summary["period"]["from"] == "2026-07-01"
        assert report["period"]["to"] == summary["period"]["to"] == "2026-09-30"
        scopes = [(report["satisfaction"], summary)]
        for child in report["children"]:
            published = next(c for c in summary["children"] if c["code"] == child["code"])
            for key in ("responses", "satisfaction_pct", "mean_score", "sipas_index", "conduct_score"):
                assert child[key] == published[key], (code, child["code"], key)
        for section, published in scopes:
            assert published["withheld"] == [], "the scene is big enough for every figure to be published"
            assert section["responses"] > 50
            for key in HEADLINES:
                if code == "04" and key in ("verified", "unverified"):
                    # Compiled: their counts are not in a snapshot, only their responses add up.
                    assert section[key]["responses"] == published[key]["responses"], (code, key)
                    continue
                assert section[key] == without_withheld(published[key]), (code, key)
            for key, element in section["elements"].items():
                for figure in ("responses", "satisfaction_pct", "mean"):
                    assert element[figure] == published["elements"][key][figure], (code, key, figure)
            for key, behaviour in section["conduct"].items():
                for figure in ("yes", "no", "unknown", "pct"):
                    assert behaviour[figure] == published["conduct"][key][figure], (code, key, figure)
            assert section["excluded"]["total"] == published["flagged"] > 0


def without_withheld(figure):
    """The published figure without its (empty) list of withheld names, which a report has not."""
    return {k: v for k, v in figure.items() if k != "withheld"} if isinstance(figure, dict) else figure


def bieu_ii_06a(dossiers, codes: set[str]):
    """Biểu II.06a and the QĐ 766 indicators from the dossiers as registered, by the issue's words.

    The scene's dossiers are finished when returned (resolved_at = returned_at) and its
    cancelled ones carry no date (cancelled from the start: in no period)."""
    received = dict.fromkeys(("total", "online", "in_person", "carried_over"), 0)
    resolved = dict.fromkeys(("total", "early", "on_time", "late", "no_due_date"), 0)
    pending = dict.fromkeys(("total", "within_time", "overdue", "no_due_date"), 0)
    complained = 0
    for d in dossiers:
        if d.unit_code not in codes or d.cancelled:
            continue
        # A negative rating counts in the period of its own day, whatever became of the dossier.
        if d.rating_day is not None and QUARTER_FROM <= d.rating_day <= QUARTER_TO and not d.rating_flagged \
                and d.rating_negative:
            complained += 1
        if d.received_day > QUARTER_TO:
            continue
        if d.returned_day is not None and d.returned_day < QUARTER_FROM:
            continue  # done before the quarter began
        if d.received_day < QUARTER_FROM:
            received["carried_over"] += 1
        else:
            received["online" if d.channel == "online" else "in_person"] += 1
        received["total"] += 1
        if d.returned_day is not None and d.returned_day <= QUARTER_TO:
            if d.late is None and d.due_day is None:
                kind = "no_due_date"    # counted apart, never taken for on time
            elif d.late if d.late is not None else d.returned_day > d.due_day:
                kind = "late"
            else:
                kind = "early" if d.due_day and d.returned_day < d.due_day else "on_time"
            resolved[kind] += 1
            resolved["total"] += 1
        else:
            # Judged on the quarter's last day: its due day had ended, or not yet, or it has none.
            kind = "no_due_date" if d.due_day is None else "overdue" if d.due_day <= QUARTER_TO else "within_time"
            pending[kind] += 1
            pending["total"] += 1
    handled = resolved["total"] + pending["total"]
    overdue = resolved["late"] + pending["overdue"]
    tthc = max(0.0, 100 - 100 * (overdue + complained) / handled)
    judged = resolved["early"] + resolved["on_time"] + resolved["late"]
    indicators = {
        "on_time_pct": round(100 * (resolved["early"] + resolved["on_time"]) / judged, 2),
        "overdue_pct": round(100 * overdue / handled, 2),
        "complained_pct": round(100 * complained / handled, 2),
        "tthc_satisfaction_pct": round(tthc, 2),
        "points": round(FULL_POINTS * min(1.0, tthc / FULL_AT), 2),
    }
    return {"received": received, "resolved": resolved, "pending": pending, "cancelled": 0}, indicators


def test_bieu_ii_06a_and_the_766_indicators_agree_with_the_dossiers_as_registered(scene, accepted, client):
    built, keys = scene
    members = groups(built)
    province = get(client, f"/api/v1/units/04/report?period={PERIOD}", keys["04"]).get_json()
    for code in ("04", *built.communes):
        report = province if code == "04" else \
            get(client, f"/api/v1/units/{code}/report?period={PERIOD}", keys["04"]).get_json()
        table, indicators = bieu_ii_06a(built.dossiers, members[code])
        assert {k: report["tthc_results"][k] for k in table} == table, code
        assert {k: report["indicators_766"][k] for k in indicators} == indicators, code
        if code != "04":
            row = next(c for c in province["tthc_results"]["children"] if c["code"] == code)
            assert {k: row[k] for k in table} == table, code
    for row in province["tthc_results"]["procedures"]:
        table, indicators = bieu_ii_06a([d for d in built.dossiers if d.procedure_code == row["procedure_code"]],
                                        members["04"])
        assert {k: row[k] for k in table} == table, row["procedure_code"]
    # Every column is exercised by the scene.
    table = province["tthc_results"]
    assert all(table[section][key] > 0 for section in ("received", "resolved", "pending") for key in table[section])
    # The unit's own desk and its children add up to the unit (a province registers no dossiers itself here).
    rows = [table["own"], *table["children"]]
    for section in ("received", "resolved", "pending"):
        for key in table[section]:
            assert sum(row[section][key] for row in rows) == table[section][key], (section, key)
    assert table["own"]["code"] == "04" and table["own"]["received"]["total"] == 0


def test_a_submitted_report_verifies_breaks_when_altered_and_stays_as_submitted(scene, client, app, runner,
                                                                                tmp_path):
    built, keys = scene
    commune = built.communes["01273"]
    chair = create_user("chair", PASSWORD, "unit_manager", commune, email="chair@thucphan.test")[0]
    period = parse_period(PERIOD)
    filing.submit(commune, period, chair)
    served = get(client, f"/api/v1/units/01273/report?period={PERIOD}", keys["01273"])
    assert served.status_code == 200
    snapshot = served.get_data()
    document = json.loads(snapshot)
    assert document["status"] == "submitted" and document["version"] == 1
    assert document["submitted_by"]["username"] == "chair"

    intact = tmp_path / "report.json"
    intact.write_bytes(snapshot)
    result = runner.invoke(args=["reports", "verify", str(intact)])
    assert result.exit_code == 0, result.output
    assert document["sha256"] in result.output
    altered = dict(document, satisfaction=dict(document["satisfaction"],
                                               responses=document["satisfaction"]["responses"] + 1))
    changed = tmp_path / "altered.json"
    changed.write_text(json.dumps(altered, ensure_ascii=False, indent=2), encoding="utf-8")
    result = runner.invoke(args=["reports", "verify", str(changed)])
    assert result.exit_code == 1
    assert "sha256 mismatch" in result.output and "satisfaction.responses" in result.output

    # Corrections after submission: the e-system says a pending dossier was returned, late,
    # on 28 September; a kiosk that was offline sends a rating of 29 September.
    pending = db.session.query(Dossier).filter(
        Dossier.unit_id == commune.id, Dossier.returned_day.is_(None), Dossier.cancelled.is_(False),
        Dossier.received_day <= QUARTER_TO).order_by(Dossier.id).first()
    back = datetime(2026, 9, 28, 15, 0, tzinfo=HANOI)
    pending.returned_at, pending.returned_day, pending.late = back, back.date(), True
    moment = datetime(2026, 9, 29, 10, 0, tzinfo=HANOI)
    rating = Rating(submitted_at=moment, local_day=moment.date(), unit_id=commune.id, channel="kiosk",
                    instrument_version=app.config["INSTRUMENT_VERSION"], overall=5, conduct={}, elements={})
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()
    fold_all(1000)

    again = get(client, f"/api/v1/units/01273/report?period={PERIOD}", keys["01273"]).get_data()
    assert again == snapshot
    live = filing.live_document(commune, period)
    differing = {path for path, _, _ in integrity.differences(integrity.hashed_part(document), live)}
    assert {"satisfaction.responses", "satisfaction.overall.5", "tthc_results.resolved.late",
            "tthc_results.resolved.total", "tthc_results.pending.total"} <= differing
    assert live["satisfaction"]["responses"] == document["satisfaction"]["responses"] + 1
    assert live["tthc_results"]["resolved"]["late"] == document["tthc_results"]["resolved"]["late"] + 1


def test_a_commune_cannot_read_another_communes_report_and_the_province_can(scene, client, app):
    built, keys = scene
    assert get(client, f"/api/v1/units/01279/report?period={PERIOD}", keys["01273"]).status_code == 403
    assert get(client, f"/api/v1/units/04/report?period={PERIOD}", keys["01273"]).status_code == 403
    assert get(client, f"/api/v1/units/01279/report?period={PERIOD}", keys["04"]).status_code == 200
    assert get(client, f"/api/v1/units/01273/report?period={PERIOD}", keys["01273"]).status_code == 200
    create_user("chair", PASSWORD, "unit_manager", built.communes["01273"])
    create_user("so", PASSWORD, "province_officer", built.province)
    chair, province = app.test_client(), app.test_client()
    log_in(chair, "chair")
    log_in(province, "so")
    assert chair.get(f"/api/v1/units/01279/report?period={PERIOD}").status_code == 403
    assert chair.get(f"/api/v1/units/01273/report?period={PERIOD}").status_code == 200
    assert province.get(f"/api/v1/units/01279/report?period={PERIOD}").status_code == 200


XLSX_HEAD = 8  # a sheet's title, six header lines and an empty row, then labels, then JSON keys


def _sheet_rows(sheet) -> tuple[list[str], list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    keys = [key for key in rows[XLSX_HEAD + 1] if key is not None]
    return keys, [row[:len(keys)] for row in rows[XLSX_HEAD + 2:] if any(v is not None for v in row)]


def test_the_quarterly_xlsx_agrees_with_the_json_report_the_summary_api_and_the_dossiers(scene, accepted, client):
    """The XLSX read back with openpyxl: every satisfaction and QĐ 766 figure equals the JSON
    report's, the headline figures equal the summary API's, and the Biểu II.06a rows equal
    the counts recomputed from the dossiers as registered."""
    import io

    import openpyxl

    built, keys = scene
    report = get(client, f"/api/v1/units/04/report?period={PERIOD}", keys["04"]).get_json()
    summary = get(client, f"/api/v1/units/04/summary?from={QUARTER_FROM}&to={QUARTER_TO}", keys["04"]).get_json()
    response = get(client, f"/api/v1/units/04/report.xlsx?period={PERIOD}", keys["04"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)

    _, rows = _sheet_rows(book["Tổng hợp"])
    in_sheet = {key: value for _label, key, value in rows}
    for key in ("responses", "satisfaction_pct", "mean_score", "sipas_index", "conduct_score"):
        assert in_sheet[key] == report["satisfaction"][key] == summary[key], key
    for level in "12345":
        assert in_sheet[f"overall.{level}"] == report["satisfaction"]["overall"][level] == summary["overall"][level]
    for name, element in summary["elements"].items():
        assert in_sheet[f"elements.{name}.satisfaction_pct"] == element["satisfaction_pct"], name
    for name, behaviour in summary["conduct"].items():
        assert in_sheet[f"conduct.{name}.pct"] == behaviour["pct"], name

    _, rows = _sheet_rows(book["Chỉ số 766"])
    in_sheet = {key: value for _label, key, value in rows}
    for key in ("on_time_pct", "overdue_pct", "complained_pct", "tthc_satisfaction_pct", "points"):
        assert in_sheet[key] == report["indicators_766"][key], key

    columns, rows = _sheet_rows(book["Biểu II.06a"])
    by_code = {(row[0], row[1]): dict(zip(columns, row)) for row in rows}
    for code, members in groups(built).items():
        kind = "Đơn vị" if code == "04" else "Đơn vị trực thuộc"
        expected, _ = bieu_ii_06a(built.dossiers, members)
        for section in ("received", "resolved", "pending"):
            for name, n in expected[section].items():
                assert by_code[(kind, code)][f"{section}.{name}"] == n, (code, section, name)
