"""Who reads which copy of a report, and checking a report anyone holds.

The internal copy (officers, every figure, names, sha256) for the unit's own unit
managers, province officers of the unit or above it, admins and API keys made with
`--scope reports`; the published copy for every other reader in scope. A snapshot's
sha256 is over its RFC 8785 (JCS) form, recomputed here with an independent JCS
implementation (`jcs`); a snapshot hashed before JCS keeps verifying; on a match the
stored status is said, so a returned report cannot pass as accepted.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import jcs
import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, create_key, officer, tree
from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import IntegrationClient, PendingFold, Rating, ReportVersion, Unit, User
from feedback_service.ratings.submission import local_day
from feedback_service.reports import filing
from feedback_service.reports.audience import reads_internal
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

PERIOD = "2026-Q3"
AFTER = datetime(2026, 10, 2, 3, tzinfo=timezone.utc)
OUTSIDE_HASH = ("sha256", "status", "review")


@pytest.fixture
def world(app, runner):
    with clock.running_from(AFTER):
        _, commune, _ = tree()
        desk = counter(commune, "Q1")
        clerk = officer(desk, "CB-01", "Nông Thị Hoa")
        for i, overall in enumerate((5, 4, 4, 5, 3, 5)):
            moment = datetime(2026, 8, 3 + i, 2, tzinfo=timezone.utc)
            rating = Rating(submitted_at=moment, local_day=local_day(moment), local_hour=9, unit_id=commune.id,
                            counter_id=desk.id, officer_id=clerk.id, channel="counter_qr",
                            instrument_version="sipas-6biet-v1", overall=overall, elements={"access": overall},
                            conduct={"greet": True})
            db.session.add(rating)
            db.session.flush()
            db.session.add(PendingFold(rating_id=rating.id))
        db.session.commit()
        fold_all(100)
    for username, role, unit in (("chu-tich", "unit_manager", "01273"), ("chu-tich-tinh", "unit_manager", "04"),
                                 ("so-noi-vu", "province_officer", "04"), ("xem", "viewer", "01273"),
                                 ("quan-tri", "admin", None)):
        make_user(runner, username, role, unit)
    return commune


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def submit_and_return(commune) -> ReportVersion:
    with clock.running_from(AFTER):
        version = filing.submit(commune, parse_period(PERIOD), user("chu-tich"))
        filing.review(version, user("so-noi-vu"), accept=False, comment="Thiếu số liệu.")
    return version


def test_who_reads_the_internal_copy(world):
    commune, province = world, Unit.by_code("04")
    assert reads_internal(user("chu-tich"), commune)            # the unit's own manager
    assert not reads_internal(user("chu-tich"), province)       # not the unit above
    assert not reads_internal(user("chu-tich-tinh"), commune)   # a manager of the unit above: not its own
    assert reads_internal(user("so-noi-vu"), commune) and reads_internal(user("so-noi-vu"), province)
    assert reads_internal(user("quan-tri"), commune)
    assert not reads_internal(user("xem"), commune)             # viewers read the published copy


def test_a_key_made_with_the_reports_scope_reads_the_internal_copy(world, client, runner):
    plain, scoped = create_key(runner, "04"), create_key(runner, "04", scope="reports")
    url = f"/api/v1/units/01273/report?period={PERIOD}"
    with clock.running_from(AFTER):
        internal = client.get(url, headers={"Authorization": f"Bearer {scoped}"}).get_json()
        public = client.get(url, headers={"Authorization": f"Bearer {plain}"}).get_json()
        down = client.get(f"{url}&audience=public", headers={"Authorization": f"Bearer {scoped}"}).get_json()
    assert internal["officers"][0]["name"] == "Nông Thị Hoa" and "published" not in internal
    assert "officers" not in public and public["published"] is True and down == public
    listing = runner.invoke(args=["clients", "list"]).output.splitlines()
    assert "scope: reports" in listing[1] and "scope: reports" not in listing[0]
    assert [c.scope_names for c in db.session.scalars(select(IntegrationClient).order_by(IntegrationClient.id))] \
        == [(), ("reports",)]
    refused = runner.invoke(args=["clients", "create", "--unit", "04", "--name", "x", "--scope", "everything"])
    assert refused.exit_code != 0 and db.session.query(IntegrationClient).count() == 2


def test_the_published_copy_names_roles_and_carries_no_hash(world, client, runner):
    version = submit_and_return(world)
    key = create_key(runner, "04")
    with clock.running_from(AFTER):
        public = client.get(f"/api/v1/units/01273/report?period={PERIOD}",
                            headers={"Authorization": f"Bearer {key}"}).get_json()
    text = json.dumps(public, ensure_ascii=False)
    assert public["submitted_by"] == {"role": "unit_manager"} and public["review"]["by"] == {"role": "province_officer"}
    assert "chu-tich" not in text and "so-noi-vu" not in text and version.sha256 not in text
    assert "sha256" not in public and "derived_from_sha256" not in public
    # The viewer's page: roles, no hash, no officers.
    viewer = client.application.test_client()
    assert log_in(viewer, "xem").status_code == 302
    with clock.running_from(AFTER):
        page = viewer.get(f"/dashboard/units/01273/reports/{PERIOD}").get_data(as_text=True)
    assert version.sha256 not in page and "Nông Thị Hoa" not in page and "chu-tich" not in page.replace(
        'href="/dashboard/units/01273', "")


def test_the_hash_is_rfc8785_as_any_jcs_implementation_writes_it(world):
    version = submit_and_return(world)
    snapshot = filing.snapshot_of(version)
    hashed = {key: value for key, value in snapshot.items() if key not in OUTSIDE_HASH}
    independent = jcs.canonicalize(hashed)
    assert hashlib.sha256(independent).hexdigest() == version.sha256 == snapshot["sha256"]
    assert version.document.encode("utf-8") == independent  # stored as its canonical text
    assert snapshot["format"] == "sipas-period-report/2"
    # JCS writes numbers as ECMAScript does: greet's 100.0 % is 100 (Python's json.dumps writes 100.0).
    assert b'"greet":{"no":0,"pct":100,"unknown":0,"yes":6}' in independent


def test_verify_says_the_stored_status_so_a_returned_report_cannot_pass_as_accepted(world, runner, tmp_path):
    version = submit_and_return(world)
    snapshot = filing.snapshot_of(version)
    snapshot["status"] = "accepted"  # outside the hash: a file may claim anything there
    path = tmp_path / "report.json"
    path.write_text(json.dumps(snapshot, ensure_ascii=False))
    result = runner.invoke(args=["reports", "verify", str(path)])
    assert result.exit_code == 0 and "intact" in result.output
    assert "stored status: returned" in result.output
    assert "the file says accepted, but this version is returned here" in result.output

    page = runner.app.test_client()
    from dashboard_helpers import csrf_token
    response = page.post("/reports/verify", data={"csrf_token": csrf_token(page, "/reports/verify"),
                                                  "document": json.dumps(snapshot, ensure_ascii=False)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="verify-status" data-status="returned"' in html
    assert "bị cấp trên trả lại" in html


def test_a_snapshot_hashed_before_rfc8785_keeps_verifying(world, runner, tmp_path):
    version = submit_and_return(world)
    snapshot = filing.snapshot_of(version)
    # As the service stored it before JCS: format /1, hashed over Python's sorted-keys JSON,
    # whose numbers differ from JCS's (100.0, not 100).
    hashed = {key: value for key, value in snapshot.items() if key not in OUTSIDE_HASH}
    hashed["format"] = "sipas-period-report/1"
    hashed["satisfaction"]["conduct"]["greet"]["pct"] = 100.0
    text = json.dumps(hashed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    old_sha = hashlib.sha256(text.encode()).hexdigest()
    assert old_sha != hashlib.sha256(jcs.canonicalize(hashed)).hexdigest()
    version.document, version.sha256 = text, old_sha
    db.session.commit()
    path = tmp_path / "old.json"
    path.write_text(json.dumps(filing.snapshot_of(version), ensure_ascii=False, indent=2))
    result = runner.invoke(args=["reports", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "stored status: returned" in result.output
