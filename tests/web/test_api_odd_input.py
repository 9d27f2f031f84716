"""Odd input in the public and integration API's URLs: one JSON error envelope, never a 500.

Dates far outside any reporting period (year 1 or 9999) used to overflow the period
arithmetic; a NUL character in a path or query is refused by PostgreSQL in any text.
Run on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from factories import counter, create_key, officer, tree

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def setting(app, backend):
    _, commune, _ = tree()
    officer(counter(commune), "CB-0042")
    return app.test_client()


@pytest.mark.parametrize("query", ["from=9999-12-25", "from=0001-01-01&to=9999-12-31", "to=1999-12-31",
                                   "from=2100-01-01"])
def test_dates_outside_the_service_years_are_refused_with_the_field_named(setting, query):
    response = setting.get(f"/api/v1/units/04/summary?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert {detail["code"] for detail in error["details"]} == {"out_of_range"}


def test_the_service_years_are_served(setting):
    response = setting.get("/api/v1/units/04/summary?from=2000-01-01&to=2099-12-31")
    assert response.status_code == 200
    assert response.get_json()["period"] == {"from": "2000-01-01", "to": "2099-12-31",
                                             "timezone": "Asia/Ho_Chi_Minh"}


@pytest.mark.parametrize("path", ["/api/v1/units/%00/summary", "/api/v1/units/04/summary?from=%00",
                                  "/api/v1/units/04/counters?%00=1", "/api/v1/counters/1/summary?x=%00"])
def test_a_nul_character_in_a_public_url_is_a_400_envelope(setting, path):
    response = setting.get(path)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_nul_character_in_an_integration_url_is_a_400_envelope(setting, app):
    headers = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), '01273')}"}
    for path in ("/api/v1/officers/CB%00/summary", "/api/v1/dossiers/H04%00", "/api/v1/units/01273/officers?q=%00"):
        response = setting.get(path, headers=headers)
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"] == "bad_request"
