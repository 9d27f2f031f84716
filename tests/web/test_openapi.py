"""The OpenAPI description: valid 3.1, complete, and true of what the routes really answer."""
from __future__ import annotations

import re

import pytest
from factories import counter, create_key, officer, tree
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from feedback_service.dossiers.records import REGISTRATION_SCHEMA, UPDATE_SCHEMA
from feedback_service.ratings.instrument import current_instrument
from feedback_service.openapi.components import bare
from feedback_service.openapi.spec import spec_for
from feedback_service.ratings.submission import submission_schema
from feedback_service.ratings.tokens import counter_token

DOSSIER = "H15.50.05.13-261008-0975"
_FLASK_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")



@pytest.fixture
def spec(app):
    return spec_for(app)


@pytest.fixture
def world(app, runner):
    province, commune_a, commune_b = tree()
    desk = counter(commune_a, "Q1")
    officer(desk, "CB-01273-01")
    return {
        "desk": desk, "token": counter_token(desk),
        "key": {"Authorization": f"Bearer {create_key(runner, '01273')}"},
        "other_key": {"Authorization": f"Bearer {create_key(runner, '01279')}"},
    }


class Conformance:
    """Checks a real response against the spec's response for its status."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, response, path: str, method: str, status: int):
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        responses = self.spec["paths"][path][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {path} answered undocumented {status}"
        documented = responses[str(status)]
        if "$ref" in documented:
            documented = self.spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
        content = documented.get("content", {})
        if not content:
            assert response.get_data() == b""
        else:
            assert response.mimetype in content, f"{response.mimetype} not in {list(content)}"
            if response.mimetype == "application/json":
                schema = {**content["application/json"]["schema"], "components": self.spec["components"]}
                errors = list(Draft202012Validator(schema).iter_errors(response.get_json()))
                assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
        self.seen.add((method, path, str(status)))
        return response


@pytest.fixture
def conforms(spec):
    return Conformance(spec)


def test_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    assert spec["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    validate_openapi(spec)
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_every_api_route_is_described_and_nothing_else(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") or rule.rule in ("/healthz", "/readyz"):
            path = _FLASK_ARG.sub(r"{\1}", rule.rule)
            routes |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(method, path) for path, item in spec["paths"].items() for method in item
                 if method in ("get", "post", "put", "patch", "delete")}
    assert routes == described


def test_request_bodies_are_the_validation_schemas(app, spec):
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/ratings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RatingSubmission"}
    assert schemas["RatingSubmission"] == bare(submission_schema(current_instrument()))
    for name, source in (("DossierRegistration", REGISTRATION_SCHEMA), ("DossierUpdate", UPDATE_SCHEMA)):
        described = {k: v for k, v in schemas[name].items() if k != "description"}
        assert described == bare(source)


def test_every_integration_route_needs_the_bearer_key_and_public_ones_do_not(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"]}
    operator = [{"bearerAuth": []}, {"sessionCookie": []}]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            keyed = "/officers" in path or "/dossiers" in path
            # A counter's QR carries its token: a key or a dashboard login (operators' material).
            material = "/qr." in path and path.startswith("/api/v1/counters/")
            # Period reports carry officers and small cells: a key or a login.
            material = material or path.startswith("/api/v1/units/{code}/report")
            # Every poster of a subtree, its poll, and dossier QR labels: operators' material too.
            material = material or path.endswith(("/posters.pdf", "/dossier-labels.pdf")) \
                or path.startswith("/api/v1/poster-sheets/")
            # The counter list is public, with the material for what the caller reaches.
            optional = path == "/api/v1/units/{code}/counters"
            # Period reports and their exports: a key or a dashboard login in scope.
            report = "/report" in path
            expected = ([{"bearerAuth": []}] if keyed else operator if material or report
                        else [{}, *operator] if optional else None)
            assert op.get("security") == expected, (method, path)
            assert ("401" in op["responses"]) == bool(expected), (method, path)


def test_request_examples_are_valid_bodies(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if media:
                schema = {**media["schema"], "components": spec["components"]}
                assert not list(Draft202012Validator(schema).iter_errors(media["example"])), (method, path)


def test_spec_is_served_once_per_app_and_cacheable(app, client, spec):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == spec
    assert spec_for(app) is spec
    assert response.cache_control.max_age and response.cache_control.public


def test_docs_page_shows_every_operation_without_scripts(client, spec):
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html and "http://" not in html.replace("http://sipas.test", "")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert f'id="{op["operationId"]}"' in html
            assert path in html
    for phrase in ("Authorization: Bearer &lt;key&gt;", "details", "6 biết", "hồ sơ", 'id="schema-UnitSummary"'):
        assert phrase in html


# --- Real answers, good and bad, against the spec ---------------------------------------------

def test_public_routes_answer_as_described(client, world, conforms):
    desk, token = world["desk"], world["token"]
    ratings = "/api/v1/ratings"
    conforms(client.post(ratings, json={"token": token, "overall": 5, "conduct": {"greet": True},
                                        "elements": {"access": 4}, "comment": "Tốt"}), ratings, "post", 201)
    conforms(client.post(ratings, data="{", content_type="application/json"), ratings, "post", 400)
    conforms(client.post(ratings, json={"token": "nope", "overall": 5}), ratings, "post", 404)
    conforms(client.post(ratings, json={"token": token, "overall": 5, "comment": "x" * 20000}),
             ratings, "post", 413)
    conforms(client.post(ratings, data="overall=5", content_type="text/plain"), ratings, "post", 415)
    conforms(client.post(ratings, json={"token": token, "overall": 9, "extra": 1}), ratings, "post", 422)

    summary = "/api/v1/units/{code}/summary"
    conforms(client.get("/api/v1/units/04/summary"), summary, "get", 200)
    conforms(client.get("/api/v1/units/01273/summary?from=2026-01-01&to=2026-12-31"), summary, "get", 200)
    conforms(client.get("/api/v1/units/99999/summary"), summary, "get", 404)
    conforms(client.get("/api/v1/units/04/summary?from=2026-13-01"), summary, "get", 422)

    counter_summary = "/api/v1/counters/{counter_id}/summary"
    conforms(client.get(f"/api/v1/counters/{desk.id}/summary"), counter_summary, "get", 200)
    conforms(client.get("/api/v1/counters/9999/summary"), counter_summary, "get", 404)
    conforms(client.get(f"/api/v1/counters/{desk.id}/summary?to=x"), counter_summary, "get", 422)

    counters = "/api/v1/units/{code}/counters"
    key, other = world["key"], world["other_key"]
    conforms(client.get("/api/v1/units/04/counters?per_page=1"), counters, "get", 200)
    conforms(client.get("/api/v1/units/04/counters?per_page=1", headers=key), counters, "get", 200)
    conforms(client.get("/api/v1/units/04/counters", headers={"Authorization": "Bearer sk_nope"}),
             counters, "get", 401)
    conforms(client.get("/api/v1/units/99999/counters"), counters, "get", 404)
    conforms(client.get("/api/v1/units/04/counters?page=0"), counters, "get", 422)

    png = "/api/v1/counters/{counter_id}/qr.png"
    first = conforms(client.get(f"/api/v1/counters/{desk.id}/qr.png?size=128", headers=key), png, "get", 200)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.png?size=128",
                        headers={**key, "If-None-Match": first.headers["ETag"]}), png, "get", 304)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.png"), png, "get", 401)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.png", headers=other), png, "get", 403)
    conforms(client.get("/api/v1/counters/9999/qr.png", headers=key), png, "get", 404)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.png?size=5", headers=key), png, "get", 422)
    svg = "/api/v1/counters/{counter_id}/qr.svg"
    first = conforms(client.get(f"/api/v1/counters/{desk.id}/qr.svg", headers=key), svg, "get", 200)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.svg", headers={**key, "If-None-Match": first.headers["ETag"]}),
             svg, "get", 304)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.svg"), svg, "get", 401)
    conforms(client.get(f"/api/v1/counters/{desk.id}/qr.svg", headers=other), svg, "get", 403)
    conforms(client.get("/api/v1/counters/9999/qr.svg", headers=key), svg, "get", 404)

    conforms(client.get("/healthz"), "/healthz", "get", 200)
    conforms(client.get("/readyz"), "/readyz", "get", 200)


def test_officer_routes_answer_as_described(client, world, conforms):
    key, other = world["key"], world["other_key"]
    officers = "/api/v1/units/{code}/officers"
    conforms(client.get("/api/v1/units/01273/officers", headers=key), officers, "get", 200)
    conforms(client.get("/api/v1/units/01273/officers"), officers, "get", 401)
    conforms(client.get("/api/v1/units/01273/officers", headers={"Authorization": "Bearer wrong"}),
             officers, "get", 401)
    conforms(client.get("/api/v1/units/01273/officers", headers=other), officers, "get", 403)
    conforms(client.get("/api/v1/units/99999/officers", headers=key), officers, "get", 404)

    summary = "/api/v1/officers/{code}/summary"
    conforms(client.get("/api/v1/officers/CB-01273-01/summary", headers=key), summary, "get", 200)
    conforms(client.get("/api/v1/officers/CB-01273-01/summary"), summary, "get", 401)
    conforms(client.get("/api/v1/officers/CB-01273-01/summary", headers=other), summary, "get", 404)
    conforms(client.get("/api/v1/officers/nobody/summary", headers=key), summary, "get", 404)
    conforms(client.get("/api/v1/officers/CB-01273-01/summary?from=yesterday", headers=key), summary, "get", 422)


def _registration(world, **changes) -> dict:
    body = {"code": DOSSIER, "unit_code": "01273", "counter_id": world["desk"].id, "officer_code": "CB-01273-01",
            "procedure": {"code": "1.001234", "name": "Đăng ký khai sinh"},
            "received_at": "2026-10-08T08:30:00+07:00", "due_at": "2026-10-10T17:00:00+07:00",
            "channel": "in_person"}
    body.update(changes)
    return body


def test_dossier_routes_answer_as_described(client, world, conforms):
    key, other = world["key"], world["other_key"]
    create = "/api/v1/dossiers"
    conforms(client.post(create, json=_registration(world), headers=key), create, "post", 201)
    conforms(client.post(create, json=_registration(world), headers=key), create, "post", 200)
    conforms(client.post(create, json=_registration(world, channel="online"), headers=key), create, "post", 409)
    conforms(client.post(create, data="{", content_type="application/json", headers=key), create, "post", 400)
    conforms(client.post(create, json=_registration(world)), create, "post", 401)
    conforms(client.post(create, json=_registration(world, code="H15.50.05.13-261008-0976", unit_code="01279",
                                                    counter_id=None, officer_code=None), headers=key),
             create, "post", 403)
    conforms(client.post(create, json={"note": "x" * 20000}, headers=key), create, "post", 413)
    conforms(client.post(create, data="code=1", content_type="text/plain", headers=key), create, "post", 415)
    conforms(client.post(create, json=_registration(world, code="nonsense", channel="fax"), headers=key),
             create, "post", 422)

    batch = "/api/v1/dossiers:batch"
    items = [_registration(world), _registration(world, code="H15.50.05.13-261008-0977"), {"code": 5}]
    answer = conforms(client.post(batch, json={"dossiers": items}, headers=key), batch, "post", 200)
    assert answer.get_json()["counts"] == {"created": 1, "unchanged": 1, "conflict": 0, "invalid": 1, "forbidden": 0}
    conforms(client.post(batch, json={"dossiers": []}, headers=key), batch, "post", 422)
    conforms(client.post(batch, data="[", content_type="application/json", headers=key), batch, "post", 400)
    conforms(client.post(batch, data="x", content_type="text/csv", headers=key), batch, "post", 415)
    conforms(client.post(batch, json={"dossiers": items}), batch, "post", 401)

    one = "/api/v1/dossiers/{code}"
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}", headers=key), one, "get", 200)
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}", headers=other), one, "get", 404)
    conforms(client.get("/api/v1/dossiers/H15.50.05.13-261008-9999", headers=key), one, "get", 404)
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}"), one, "get", 401)
    patch = f"/api/v1/dossiers/{DOSSIER}"
    conforms(client.patch(patch, json={"returned_at": "2026-10-09T15:00:00+07:00", "late": False}, headers=key),
             one, "patch", 200)
    conforms(client.patch(patch, json={"late": "maybe"}, headers=key), one, "patch", 422)
    conforms(client.patch(patch, data="{", content_type="application/json", headers=key), one, "patch", 400)
    conforms(client.patch(patch, data="late", content_type="text/plain", headers=key), one, "patch", 415)
    conforms(client.patch(patch, json={"late": True}, headers=other), one, "patch", 404)
    conforms(client.patch("/api/v1/dossiers/H15.50.05.13-261008-9999", json={"late": True}, headers=key),
             one, "patch", 404)

    png = "/api/v1/dossiers/{code}/qr.png"
    first = conforms(client.get(f"/api/v1/dossiers/{DOSSIER}/qr.png", headers=key), png, "get", 200)
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}/qr.png", headers={**key, "If-None-Match": first.headers["ETag"]}),
             png, "get", 304)
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}/qr.png?size=1", headers=key), png, "get", 422)
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}/qr.png", headers=other), png, "get", 404)
    svg = "/api/v1/dossiers/{code}/qr.svg"
    conforms(client.get(f"/api/v1/dossiers/{DOSSIER}/qr.svg", headers=key), svg, "get", 200)
    conforms(client.get("/api/v1/dossiers/H15.50.05.13-261008-9999/qr.svg", headers=key), svg, "get", 404)


def test_a_wrong_method_answers_the_error_envelope(client, spec):
    response = client.put("/api/v1/ratings", json={})
    assert response.status_code == 405
    schema = {**spec["components"]["responses"]["405"]["content"]["application/json"]["schema"],
              "components": spec["components"]}
    Draft202012Validator(schema).validate(response.get_json())


def test_too_many_ratings_answer_429_as_described(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="2 per minute")
    conforms = Conformance(spec_for(app))
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/ratings", json={"token": "nope", "overall": 5})
    response = conforms(client.post("/api/v1/ratings", json={"token": "nope", "overall": 5}),
                        "/api/v1/ratings", "post", 429)
    assert response.headers["Retry-After"]


def test_an_oversized_batch_answers_413_as_described(make_app):
    app = make_app(DOSSIER_BATCH_MAX_BYTES=1000)
    with app.app_context():
        province, commune, _ = tree()
        key = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), commune.code)}"}
    conforms = Conformance(spec_for(app))
    big = {"dossiers": [{"code": f"H15.50.05.13-261008-{n:04d}"} for n in range(100)]}
    conforms(app.test_client().post("/api/v1/dossiers:batch", json=big, headers=key),
             "/api/v1/dossiers:batch", "post", 413)


def test_a_caller_at_its_poster_pdf_limit_answers_429_as_described(make_app, tmp_path):
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), POSTER_INLINE_MAX=-1, POSTER_SHEETS_PER_REQUESTER=0)
    with app.app_context():
        tree()
        key = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), '01273')}"}
    response = Conformance(spec_for(app))(app.test_client().get("/api/v1/units/01273/posters.pdf", headers=key),
                                          "/api/v1/units/{code}/posters.pdf", "get", 429)
    assert response.headers["Retry-After"] == "30"
