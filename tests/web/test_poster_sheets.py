"""Every poster of a subtree in one PDF, and dossier QR labels: each page read back with
pdftoppm and zbarimg decodes to that counter's (or dossier's) own address; the job path
(202, poll, download) and the dashboard's button; bad input is the JSON error envelope."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

import pytest
from dashboard_helpers import log_in, make_user, csrf_token
from factories import create_key
from pdf_pages import codes_in_cells, pages
from sqlalchemy import select

from feedback_service.dossiers.tokens import dossier_url
from feedback_service.extensions import db
from feedback_service.models import Counter, Dossier, PosterSheet, Unit
from feedback_service.ratings import poster_runs
from feedback_service.ratings.tokens import counter_url
from feedback_service.units.tree import subtree_ids

LABEL_BOX = (0, 0.5 / 297, 1, 296.5 / 297)  # the 3 × 8 grid of 70 × 37 mm labels, centred on A4


@pytest.fixture
def demo(make_app, tmp_path):
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"))
    with app.app_context():
        runner = app.test_cli_runner()
        loaded = runner.invoke(args=["demo", "load", "--ratings"])
        assert loaded.exit_code == 0, loaded.output
        yield {"app": app, "client": app.test_client(), "runner": runner,
               "province": create_key(runner, "04"), "commune": create_key(runner, "01273"),
               "other": create_key(runner, "01279")}


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def active_urls(code: str) -> list[str]:
    unit = Unit.by_code(code)
    counters = db.session.scalars(select(Counter).join(Unit).where(
        Counter.unit_id.in_(subtree_ids(unit.id)), Counter.active.is_(True)).order_by(Unit.code, Counter.code))
    return [counter_url(counter) for counter in counters]


def test_the_demo_provinces_pdf_decodes_page_by_page_to_every_active_counters_url(demo):
    retired = db.session.scalar(select(Counter).order_by(Counter.id.desc()).limit(1))
    retired.active = False
    db.session.commit()
    expected = active_urls("04")
    assert len(expected) >= 5 and counter_url(retired) not in expected

    response = demo["client"].get("/api/v1/units/04/posters.pdf", headers=auth(demo["province"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=ma-qr-04.pdf"
    drawn = pages(response.data)
    assert [codes_in_cells(page, 1, 1)[0] for page in drawn] == [[url] for url in expected]


def test_four_up_puts_four_posters_on_a_page_in_reading_order(demo):
    expected = active_urls("04")
    response = demo["client"].get("/api/v1/units/04/posters.pdf?layout=4up", headers=auth(demo["province"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    drawn = pages(response.data)
    assert len(drawn) == math.ceil(len(expected) / 4)
    read = [cell for page in drawn for cell in codes_in_cells(page, 2, 2)]
    assert read == [[url] for url in expected] + [[]] * (4 * len(drawn) - len(expected))


def test_a_large_subtree_is_built_by_the_job_polled_and_downloaded(demo):
    demo["app"].config["POSTER_INLINE_MAX"] = 2
    client, headers = demo["client"], auth(demo["province"])
    asked = client.get("/api/v1/units/04/posters.pdf", headers=headers)
    assert asked.status_code == 202, asked.get_data(as_text=True)[:300]
    location = asked.headers["Location"]
    assert asked.get_json()["status"] == "queued" and asked.get_json()["download_url"] is None
    assert client.get("/api/v1/units/04/posters.pdf", headers=headers).headers["Location"] == location
    sheet_id = location.rsplit("/", 1)[1]
    assert poster_runs.build(sheet_id) == "done"

    state = client.get(location, headers=headers).get_json()
    expected = active_urls("04")
    assert state["status"] == "done"
    assert state["progress"] == {"posters_drawn": len(expected), "posters_total": len(expected)}
    download = client.get(state["download_url"], headers=headers)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert [codes_in_cells(page, 1, 1)[0] for page in pages(download.data)] == [[url] for url in expected]
    # Another commune's key sees no such PDF.
    assert client.get(location, headers=auth(demo["other"])).status_code == 404


def test_bad_requests_are_the_json_envelope(demo):
    client = demo["client"]
    assert client.get("/api/v1/units/04/posters.pdf").status_code == 401
    assert client.get("/api/v1/units/04/posters.pdf", headers=auth("nope")).status_code == 401
    assert client.get("/api/v1/units/99999/posters.pdf", headers=auth(demo["province"])).status_code == 404
    outside = client.get("/api/v1/units/01273/posters.pdf", headers=auth(demo["other"]))
    assert outside.status_code == 403 and outside.get_json()["error"]["code"] == "forbidden"
    bad = client.get("/api/v1/units/04/posters.pdf?layout=9up", headers=auth(demo["province"]))
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "layout"
    assert client.get("/api/v1/poster-sheets/zz..", headers=auth(demo["province"])).status_code == 404


def _dossiers(code: str) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.unit_id == Unit.by_code(code).id)
                                   .order_by(Dossier.id)))


def test_dossier_labels_decode_to_each_dossiers_url_in_the_order_asked(demo):
    mine = _dossiers("01273")[:26]
    assert len(mine) == 26  # two pages
    codes = ",".join(dossier.code for dossier in mine)
    response = demo["client"].get(f"/api/v1/units/01273/dossier-labels.pdf?codes={codes}",
                                  headers=auth(demo["commune"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    read = [cell for page in pages(response.data) for cell in codes_in_cells(page, 3, 8, LABEL_BOX)]
    assert read[:26] == [[dossier_url(dossier)] for dossier in mine]
    assert read[26:] == [[]] * 22
    # The province's key reaches a commune's dossiers through its own unit too.
    assert demo["client"].get(f"/api/v1/units/04/dossier-labels.pdf?codes={mine[0].code}",
                              headers=auth(demo["province"])).status_code == 200


def test_dossier_labels_refuse_foreign_unknown_and_too_many_codes_naming_them(demo):
    client, headers = demo["client"], auth(demo["commune"])
    mine, foreign = _dossiers("01273")[0], _dossiers("01279")[0]
    refused = client.get(f"/api/v1/units/01273/dossier-labels.pdf?codes={mine.code},{foreign.code},NO-SUCH",
                         headers=headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert foreign.code in error["message"] and "NO-SUCH" in error["message"] and mine.code not in error["message"]
    # A foreign code reads exactly as one that does not exist: nothing of the other commune shows.
    assert [detail["message"] for detail in error["details"]] == [f"unknown code {foreign.code!r}",
                                                                  "unknown code 'NO-SUCH'"]
    assert client.get("/api/v1/units/01273/dossier-labels.pdf", headers=headers).status_code == 422
    many = ",".join(f"C{index}" for index in range(241))
    too_many = client.get(f"/api/v1/units/01273/dossier-labels.pdf?codes={many}", headers=headers)
    assert too_many.status_code == 422 and too_many.get_json()["error"]["details"][0]["field"] == "codes"
    assert client.get(f"/api/v1/units/01273/dossier-labels.pdf?codes={mine.code}").status_code == 401
    assert client.get(f"/api/v1/units/01279/dossier-labels.pdf?codes={foreign.code}",
                      headers=headers).status_code == 403


def test_the_counters_page_button_builds_the_pdf_with_progress_and_a_download_link(demo):
    client, runner = demo["client"], demo["runner"]
    assert client.post("/dashboard/units/01273/posters").status_code in (302, 400)
    make_user(runner, "chu-tich", "unit_manager", "01273")
    log_in(client, "chu-tich")
    manage = client.get("/dashboard/units/01273/manage").get_data(as_text=True)
    assert 'action="/dashboard/units/01273/posters"' in manage
    token = csrf_token(client, "/dashboard/units/01273/manage")
    asked = client.post("/dashboard/units/01273/posters", data={"layout": "4up", "csrf_token": token})
    assert asked.status_code == 302
    page_url = urlsplit(asked.headers["Location"]).path
    waiting = client.get(page_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting
    sheet = db.session.scalar(select(PosterSheet))
    assert sheet.layout == "4up" and poster_runs.build(sheet.id) == "done"
    ready = client.get(page_url).get_data(as_text=True)
    download = f"/dashboard/poster-sheets/{sheet.id}/download"
    assert download in ready and 'http-equiv="refresh"' not in ready
    pdf = client.get(download)
    expected = active_urls("01273")
    read = [cell for page in pages(pdf.data) for cell in codes_in_cells(page, 2, 2)]
    assert [cell for cell in read if cell] == [[url] for url in expected]
    # Another commune's unit and PDF are not found for this chair.
    other = client.post("/dashboard/units/01279/posters", data={"csrf_token": token})
    assert other.status_code == 404


def test_a_host_without_the_font_answers_503_not_a_bare_error(demo, tmp_path, monkeypatch):
    """make run installs DejaVu; a host where it is missing is told what is missing."""
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])  # as in a fresh process
    demo["app"].config["POSTER_FONT_DIR"] = str(tmp_path / "no-fonts")
    answer = demo["client"].get("/api/v1/units/01273/posters.pdf", headers=auth(demo["commune"]))
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "unavailable" and "fonts-dejavu-core" in answer.get_json()["error"]["message"]
