"""Managing a unit's counters and officers from the dashboard: each change works and is
audited, QR rotation revokes the old poster, scoping (404), roles (403), CSRF (400) and
refused changes that leave everything as it was."""
from __future__ import annotations

import re

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, officer, tree
from sqlalchemy import func, select

from feedback_service.extensions import db, redis_client
from feedback_service.models import AuditEntry, Counter, Officer
from feedback_service.summaries.read import GENERATION_KEY
from feedback_service.ratings.tokens import counter_token


@pytest.fixture
def world(app, runner):
    """Commune 01273 with desks Q1 (officer CB-0042) and Q2; commune 01279 with a desk and officer."""
    _, commune, other = tree()
    desk = counter(commune, "Q1", "Quầy tiếp nhận")
    second = counter(commune, "Q2", "Quầy trả kết quả")
    clerk = officer(desk, "CB-0042", "Nguyễn Văn An")
    other_desk = counter(other, "Q1")
    stranger = officer(other_desk, "CB-0099", "Lê Thị Hoa")
    make_user(runner, "chu-tich", "unit_manager", "01273")
    make_user(runner, "xem", "viewer", "01273")
    make_user(runner, "tinh", "province_officer", "04")
    return {"commune": commune, "desk": desk, "second": second, "clerk": clerk,
            "other_desk": other_desk, "stranger": stranger}


def logged_in(app, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def post(client, path: str, **data):
    token = csrf_token(client, "/dashboard/units/01273/manage")
    return client.post(path, data={"csrf_token": token, **data})


def audits(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def refused_with_message(client, response) -> bool:
    """A refused change goes back to the unit's page, which shows the flashed reason."""
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/units/01273/manage")
    return 'class="flash error"' in client.get(response.headers["Location"]).get_data(as_text=True)


def generation() -> int:
    return int(redis_client().get(GENERATION_KEY) or 0)


def snapshot() -> tuple:
    db.session.expire_all()
    return (sorted((c.unit_id, c.code, c.name, c.active, c.qr_version) for c in db.session.scalars(select(Counter))),
            sorted((o.code, o.name, o.unit_id, o.counter_id, o.active) for o in db.session.scalars(select(Officer))),
            db.session.scalar(select(func.count(AuditEntry.id))))


# --- the page -----------------------------------------------------------------------------

def test_page_lists_the_units_own_counters_and_officers_with_labelled_forms(app, world):
    html = logged_in(app, "chu-tich").get("/dashboard/units/01273/manage").get_data(as_text=True)
    assert "Quầy tiếp nhận" in html and "Quầy trả kết quả" in html and "CB-0042" in html
    assert "CB-0099" not in html  # another commune's officer
    assert f"/counters/{world['desk'].id}/poster" in html
    assert "Tôi hiểu mã cũ sẽ không dùng được" in html
    assert html.count('name="csrf_token"') >= 10
    # Every visible control has a label naming it.
    for control_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id


def test_viewer_reads_without_forms_and_overview_links_only_for_acting_roles(app, world):
    viewer = logged_in(app, "xem")
    html = viewer.get("/dashboard/units/01273/manage").get_data(as_text=True)
    assert "Quầy tiếp nhận" in html and "/manage/counters" not in html
    assert "/dashboard/units/01273/manage" not in viewer.get("/dashboard/units/01273").get_data(as_text=True)
    manager = logged_in(app, "chu-tich")
    assert "/dashboard/units/01273/manage" in manager.get("/dashboard/units/01273").get_data(as_text=True)


def test_another_communes_page_is_404(app, world):
    assert logged_in(app, "chu-tich").get("/dashboard/units/01279/manage").status_code == 404
    assert logged_in(app, "tinh").get("/dashboard/units/01279/manage").status_code == 200


# --- each action --------------------------------------------------------------------------

def test_add_rename_deactivate_reactivate_a_counter(app, world):
    client = logged_in(app, "chu-tich")
    before = generation()
    response = post(client, "/dashboard/units/01273/manage/counters", code="Q3", name="Quầy đất đai")
    assert response.status_code == 302
    new = db.session.scalar(select(Counter).where(Counter.unit_id == world["commune"].id, Counter.code == "Q3"))
    assert new.name == "Quầy đất đai" and new.active
    [entry] = audits("counter.create")
    assert (entry.actor, entry.target) == ("user:1", f"counter:{new.id}")
    assert generation() > before

    assert post(client, f"/dashboard/counters/{new.id}/rename", name="Quầy  tài nguyên ").status_code == 302
    db.session.expire_all()
    assert new.name == "Quầy tài nguyên"
    assert audits("counter.rename")[0].detail == {"from": "Quầy đất đai", "to": "Quầy tài nguyên"}

    token = counter_token(new)
    assert post(client, f"/dashboard/counters/{new.id}/active", active="0").status_code == 302
    db.session.expire_all()
    assert not new.active and len(audits("counter.deactivate")) == 1
    assert client.get(f"/q/{token}").status_code == 404  # a deactivated counter's poster stops working
    assert post(client, f"/dashboard/counters/{new.id}/active", active="1").status_code == 302
    db.session.expire_all()
    assert new.active and len(audits("counter.activate")) == 1
    assert client.get(f"/q/{token}").status_code == 200


def test_rotate_revokes_the_old_poster_and_the_new_one_works(app, world):
    client = logged_in(app, "chu-tich")
    desk = world["desk"]
    old = counter_token(desk)
    assert client.get(f"/q/{old}").status_code == 200
    refused = post(client, f"/dashboard/counters/{desk.id}/rotate")  # no confirmation ticked
    assert refused_with_message(client, refused)
    db.session.expire_all()
    assert desk.qr_version == 1 and audits("counter.rotate_qr") == []

    assert post(client, f"/dashboard/counters/{desk.id}/rotate", confirm="1").status_code == 302
    db.session.expire_all()
    assert desk.qr_version == 2
    assert audits("counter.rotate_qr")[0].detail == {"qr_version": 2}
    assert client.get(f"/q/{old}").status_code == 404
    assert client.get(f"/q/{counter_token(desk)}").status_code == 200


def test_add_rename_assign_deactivate_an_officer(app, world):
    client = logged_in(app, "chu-tich")
    response = post(client, "/dashboard/units/01273/manage/officers", code="CB-0050", name="Trần Thị Bình",
                    counter_id=str(world["second"].id))
    assert response.status_code == 302
    new = db.session.scalar(select(Officer).where(Officer.code == "CB-0050"))
    assert (new.unit_id, new.counter_id, new.name) == (world["commune"].id, world["second"].id, "Trần Thị Bình")
    assert audits("officer.create")[0].target == f"officer:{new.id}"

    assert post(client, f"/dashboard/officers/{new.code}/rename", name="Trần Thị Bính").status_code == 302
    assert post(client, f"/dashboard/officers/{new.code}/assign", counter_id=str(world["desk"].id)).status_code == 302
    db.session.expire_all()
    assert (new.name, new.counter_id) == ("Trần Thị Bính", world["desk"].id)
    assert audits("officer.assign")[0].detail == {"from": world["second"].id, "to": world["desk"].id}
    assert post(client, f"/dashboard/officers/{new.code}/assign", counter_id="").status_code == 302
    db.session.expire_all()
    assert new.counter_id is None

    assert post(client, f"/dashboard/officers/{new.code}/active", active="0").status_code == 302
    db.session.expire_all()
    assert not new.active
    assert post(client, f"/dashboard/officers/{new.code}/active", active="1").status_code == 302
    db.session.expire_all()
    assert new.active
    assert [len(audits(a)) for a in ("officer.rename", "officer.assign", "officer.deactivate", "officer.activate")] \
        == [1, 2, 1, 1]


# --- refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("path_of, data", [
    (lambda w: "/dashboard/units/01273/manage/counters", {"code": "Q1", "name": "Trùng mã"}),
    (lambda w: "/dashboard/units/01273/manage/counters", {"code": "Q9", "name": "   "}),
    (lambda w: "/dashboard/units/01273/manage/counters", {"code": "", "name": "Không mã"}),
    (lambda w: f"/dashboard/counters/{w['desk'].id}/rename", {"name": ""}),
    (lambda w: "/dashboard/units/01273/manage/officers", {"code": "CB-0099", "name": "Mã của xã khác"}),
    (lambda w: "/dashboard/units/01273/manage/officers", {"code": "CB-0051", "name": ""}),
    (lambda w: "/dashboard/units/01273/manage/officers", {"code": "CB/0051", "name": "Mã có dấu gạch chéo"}),
    (lambda w: f"/dashboard/counters/{w['desk'].id}/active", {}),
    (lambda w: f"/dashboard/officers/{w['clerk'].code}/rename", {"name": " "}),
])
def test_validation_errors_change_nothing(app, world, path_of, data):
    client = logged_in(app, "chu-tich")
    before = snapshot()
    assert refused_with_message(client, post(client, path_of(world), **data))
    assert snapshot() == before


def form_html(html: str, form_id: str) -> str:
    return re.search(rf'<form [^>]*id="{form_id}">.*?</form>', html, re.S).group(0)


def refused_page(client, response) -> str:
    assert response.status_code == 302  # as before: the route walker relies on it
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_refused_new_counter_keeps_what_was_typed_beside_the_reason(app, world):
    client = logged_in(app, "chu-tich")
    before = snapshot()
    html = refused_page(client, post(client, "/dashboard/units/01273/manage/counters",
                                     code="Q1", name="Quầy <đất đai> mới"))
    form = form_html(html, "add-counter")
    assert 'id="new-counter-code" name="code" value="Q1"' in form
    assert 'name="name" value="Quầy &lt;đất đai&gt; mới"' in form  # escaped, not markup
    assert form.count('aria-invalid="true" aria-describedby="add-counter-error"') == 2
    assert '<p class="field-error" id="add-counter-error">Đơn vị đã có quầy mã Q1.</p>' in form
    assert "autofocus" in form and snapshot() == before
    # Read once: the next visit shows empty forms and no reason.
    again = client.get("/dashboard/units/01273/manage").get_data(as_text=True)
    form = form_html(again, "add-counter")
    assert 'name="code" value=""' in form and "aria-invalid" not in again and "field-error" not in again


def test_a_refused_new_officer_keeps_name_code_and_chosen_counter(app, world):
    client = logged_in(app, "chu-tich")
    second = world["second"].id
    html = refused_page(client, post(client, "/dashboard/units/01273/manage/officers",
                                     code="CB-0042", name="Trần Thị Bình", counter_id=str(second)))
    form = form_html(html, "add-officer")
    assert 'name="code" value="CB-0042"' in form and 'name="name" value="Trần Thị Bình"' in form
    assert re.findall(r'<option value="(\d+)" selected>', form) == [str(second)]
    assert "Mã cán bộ CB-0042 đã được dùng." in form
    # The other forms on the page are untouched.
    assert "aria-invalid" not in form_html(html, "add-counter")


def test_a_refused_rename_keeps_the_typed_name_in_that_rows_form_only(app, world):
    client = logged_in(app, "chu-tich")
    desk, second = world["desk"], world["second"]
    long_name = "Quầy " + "x" * 200
    html = refused_page(client, post(client, f"/dashboard/counters/{desk.id}/rename", name=long_name))
    form = form_html(html, f"counter-{desk.id}-rename")
    assert f'value="{long_name[:200]}"' in form and 'aria-invalid="true"' in form
    assert "Tên dài quá 200 ký tự." in form
    assert 'value="Quầy trả kết quả"' in form_html(html, f"counter-{second.id}-rename")
    assert "aria-invalid" not in form_html(html, f"counter-{second.id}-rename")


def test_kept_values_are_not_shown_on_another_units_page(app, world):
    client = logged_in(app, "tinh")  # sees both communes
    post(client, "/dashboard/units/01273/manage/counters", code="Q1", name="Gõ ở 01273")
    other = client.get("/dashboard/units/01279/manage").get_data(as_text=True)
    assert "Gõ ở 01273" not in other and "aria-invalid" not in other
    assert "Gõ ở 01273" not in client.get("/dashboard/units/01273/manage").get_data(as_text=True)


def test_a_counter_of_another_unit_in_the_province_is_refused(app, world):
    """A province officer sees both communes, but may not seat an officer at the other's counter."""
    client = logged_in(app, "tinh")
    before = snapshot()
    response = post(client, f"/dashboard/officers/{world['clerk'].code}/assign",
                    counter_id=str(world["other_desk"].id))
    assert refused_with_message(client, response) and snapshot() == before
    response = post(client, "/dashboard/units/01273/manage/officers", code="CB-0060", name="Phạm Văn Cường",
                    counter_id=str(world["other_desk"].id))
    assert refused_with_message(client, response) and snapshot() == before


def test_another_communes_ids_are_404(app, world):
    client = logged_in(app, "chu-tich")
    before = snapshot()
    other, stranger = world["other_desk"].id, world["stranger"].code
    for path, data in [
        (f"/dashboard/counters/{other}/rename", {"name": "Chiếm"}),
        (f"/dashboard/counters/{other}/active", {"active": "0"}),
        (f"/dashboard/counters/{other}/rotate", {"confirm": "1"}),
        (f"/dashboard/officers/{stranger}/rename", {"name": "Chiếm"}),
        (f"/dashboard/officers/{stranger}/active", {"active": "0"}),
        (f"/dashboard/officers/{world['clerk'].code}/assign", {"counter_id": str(other)}),
        ("/dashboard/units/01273/manage/officers", {"code": "CB-0070", "name": "A", "counter_id": str(other)}),
        ("/dashboard/units/01279/manage/counters", {"code": "Q7", "name": "Chiếm"}),
        ("/dashboard/counters/99999/rename", {"name": "Không có"}),
    ]:
        assert post(client, path, **data).status_code == 404, path
    assert snapshot() == before


@pytest.mark.parametrize("counter_id", ["²", "1" + "0" * 30, "9223372036854775808", "١", "-1", "1e3", "0"])
def test_odd_counter_ids_in_forms_are_404_not_500(app, world, counter_id):
    """A counter id that is no row id (a superscript digit, too big for the database, …)."""
    client = logged_in(app, "chu-tich")
    before = snapshot()
    for path, data in [
        (f"/dashboard/officers/{world['clerk'].code}/assign", {"counter_id": counter_id}),
        ("/dashboard/units/01273/manage/officers", {"code": "CB-0070", "name": "A", "counter_id": counter_id}),
    ]:
        assert post(client, path, **data).status_code == 404, path
    assert snapshot() == before


def test_viewer_post_is_403(app, world):
    client = logged_in(app, "xem")
    before = snapshot()
    assert post(client, "/dashboard/units/01273/manage/counters", code="Q5", name="Quầy 5").status_code == 403
    assert post(client, f"/dashboard/counters/{world['desk'].id}/rotate", confirm="1").status_code == 403
    assert post(client, f"/dashboard/officers/{world['clerk'].code}/rename", name="X").status_code == 403
    assert snapshot() == before


def test_missing_csrf_token_is_400(app, world):
    client = logged_in(app, "chu-tich")
    before = snapshot()
    response = client.post("/dashboard/units/01273/manage/counters", data={"code": "Q5", "name": "Quầy 5"})
    assert response.status_code == 400
    response = client.post(f"/dashboard/counters/{world['desk'].id}/rotate", data={"confirm": "1"})
    assert response.status_code == 400
    assert snapshot() == before


def test_page_reads_in_english(app, world):
    html = logged_in(app, "chu-tich").get("/dashboard/units/01273/manage?lang=en").get_data(as_text=True)
    assert "Manage counters and officers" in html and "I understand the old code will stop working" in html
