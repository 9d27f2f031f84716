"""Property-based API testing: schemathesis generates requests from /openapi.json for
every operation and sends them to the app in-process (WSGI).

Checks: no 5xx, every status documented, the content type documented, the body
valid against the documented schema, documented headers present. Bounded and
derandomized so the run is fast and the same on every machine.
"""
from __future__ import annotations

import pytest
import schemathesis
from factories import counter, create_key, officer, tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from feedback_service import create_app
from feedback_service.models.dossiers import DOSSIER_CHANNELS
from feedback_service.openapi.components import ID_MAX
from feedback_service.openapi.spec import spec_for
from feedback_service.ratings.tokens import counter_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# The spec's own examples name these objects too.
UNIT, OFFICER, DOSSIER = "01273", "CB-01273-01", "H15.50.05.13-261008-0975"



@pytest.fixture
def api(app, runner, client):
    """A unit tree with a counter, an officer and a dossier, and a key for the commune."""
    _, commune, _ = tree()
    desk = counter(commune, "Q1")
    officer(desk, OFFICER)
    key = create_key(runner, UNIT)
    registration = {
        "code": DOSSIER, "unit_code": UNIT, "counter_id": desk.id, "officer_code": OFFICER,
        "procedure": {"code": "1.001234", "name": "Đăng ký khai sinh"},
        "received_at": "2026-10-08T08:30:00+07:00", "due_at": "2026-10-10T17:00:00+07:00", "channel": "in_person",
    }
    answer = client.post("/api/v1/dossiers", json=registration, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 201, answer.get_json()
    return {"desk": desk.id, "token": counter_token(desk), "key": key, "registration": registration}


@pytest.fixture
def api_schema(app, api):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    real_codes = {"/api/v1/units/": UNIT, "/api/v1/officers/": OFFICER, "/api/v1/dossiers/": DOSSIER}

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        # Random codes and ids almost never name a real object: mix the real ones in.
        path = context.operation.path
        real = {}
        if "{counter_id}" in path:
            real["counter_id"] = api["desk"]
        for prefix, code in real_codes.items():
            if path.startswith(prefix) and "{code}" in path:
                real["code"] = code
        return st.one_of(st.just(real), strategy) if real else strategy

    return schema


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) of the spec, read at collection from an app that connects to nothing."""
    app = create_app({"SECRET_KEY": "collection-only", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "REDIS_URL": "redis://127.0.0.1:1/0"})
    spec = spec_for(app)
    return [(method, path) for path, item in spec["paths"].items() for method in item]


def _with_real_objects(case, api) -> None:
    """A rating with a real counter token, a dossier with a registered code: past the 404/422 wall."""
    if not isinstance(case.body, dict):
        return
    if case.path == "/api/v1/ratings":
        case.body = {**case.body, "token": api["token"]}
    elif case.path == "/api/v1/dossiers":
        # The registered facts, maybe another channel: 200 unchanged or 409 conflict.
        channel = case.body.get("channel")
        case.body = {**api["registration"], **({"channel": channel} if channel in DOSSIER_CHANNELS else {})}


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: v)
def test_every_operation_answers_as_described(api_schema, api, method, path):
    operation = api_schema[path][method.upper()]
    # Valid requests and invalid ones: both must get a documented answer, never a 5xx.
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    auth = {"Authorization": f"Bearer {api['key']}"}

    @given(case=cases, real=st.booleans())
    @settings(max_examples=25, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_as_described(case, real):
        if real:
            _with_real_objects(case, api)
        case.call_and_validate(headers=auth, checks=CHECKS)

    answers_as_described()


@pytest.mark.postgres_too
@pytest.mark.parametrize("counter_id", [ID_MAX + 1, 2**63, 10**30])
@pytest.mark.parametrize("route", ["summary", "qr.png", "qr.svg"])
def test_counter_id_out_of_range_is_not_found(client, backend, route, counter_id):
    """Found by schemathesis: such an id reached the database driver and answered 500."""
    response = client.get(f"/api/v1/counters/{counter_id}/{route}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
