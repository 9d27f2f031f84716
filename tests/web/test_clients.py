"""API keys: issued by the CLI, stored hashed, revocable, scoped to a unit subtree."""
import pytest
from factories import counter, create_key, officer, tree, unit

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, IntegrationClient



@pytest.fixture
def units(app):
    province, commune_a, commune_b = tree()
    officer(counter(commune_a), "CB-A", "Nông Thị Hoa")
    officer(counter(commune_b), "CB-B", "Lục Văn Sơn")
    return province, commune_a, commune_b


def test_key_printed_once_and_stored_hashed(runner, units):
    key = create_key(runner, "01273")
    assert key.startswith("sk_") and len(key) > 40
    client = db.session.query(IntegrationClient).one()
    assert key not in (client.key_hash, client.key_prefix) and len(client.key_hash) == 64
    assert db.session.query(AuditEntry).filter_by(action="client.create").count() == 1


def test_unknown_unit_is_a_clear_error(runner, units):
    result = runner.invoke(args=["clients", "create", "--unit", "99999", "--name", "x"])
    assert result.exit_code != 0 and "no unit" in result.output


def test_scoped_key_reads_its_own_subtree_only(runner, client, units):
    key = create_key(runner, "01273")
    auth = {"Authorization": f"Bearer {key}"}
    own = client.get("/api/v1/units/01273/officers", headers=auth)
    assert own.status_code == 200
    assert [o["code"] for o in own.get_json()["officers"]] == ["CB-A"]
    other = client.get("/api/v1/units/01279/officers", headers=auth)
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/units/04/officers", headers=auth).status_code == 403


def test_province_key_sees_every_commune(runner, client, units):
    key = create_key(runner, "04")
    body = client.get("/api/v1/units/04/officers", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert [o["code"] for o in body["officers"]] == ["CB-A", "CB-B"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer sk_wrong", "Basic abc", "Bearer sk_" + "x" * 43])
def test_missing_or_wrong_keys_are_401(client, units, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/units/04/officers", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_revoked_key_is_refused(runner, client, units):
    key = create_key(runner, "04")
    client_id = db.session.query(IntegrationClient).one().id
    assert runner.invoke(args=["clients", "revoke", str(client_id)]).exit_code == 0
    assert client.get("/api/v1/units/04/officers", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    listing = runner.invoke(args=["clients", "list"]).output
    assert "revoked" in listing and key not in listing


def test_a_district_in_between_is_part_of_the_scope(runner, client, app):
    province = unit("04", kind="tỉnh")
    district = unit("040", parent=province, kind="huyện")
    unit("01300", parent=district)
    key = create_key(runner, "040")
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/units/01300/officers", headers=auth).status_code == 200
    assert client.get("/api/v1/units/04/officers", headers=auth).status_code == 403
