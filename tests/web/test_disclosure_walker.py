"""The walker: every way a figure leaves the service, walked with the rights of a viewer,
a plain API key and an anonymous reader, on a quarter seeded with small cells. It fails
if any small cell can be read there, or worked out again from what is shown.

Seeded small cells (2026-Q3, read on 2 October):
- commune 01279 with 3 ratings (overall 1, 2, 2: mean 1.67);
- in commune 01273 (14 ratings): the element "procedure" answered 2 times, the behaviour
  "smile" answered 4 times (3 yes, 1 no), 1 verified rating (overall 1) among 13
  unverified, its dossier the only one returned; desk Q2 with 2 ratings;
- 01273's report submitted by its chair and returned by the province (usernames, sha256).

What is checked everywhere (JSON, the files read back into their JSON keys, the pages, the
public ranking and its page, walked anonymously too):
- a distribution is shown whole on 5 answers or more, or not at all (else "responses
  minus the other levels" gives a hidden level back); its percentage and mean with it;
- a behaviour's percentage is never beside a hidden count, nor a count beside a hidden
  percentage (either gives the other back);
- a composite is hidden when any of its parts is (composite minus the others);
- verified and unverified are hidden together (the total minus one gives the other);
- QĐ 766's complained count, its share and what is worked out from it (TTHC satisfaction,
  points) are hidden where they rest on 1–4 ratings of dossiers (01273's one verified
  rating, negative, would read off `complained`);
- times of ratings carry no seconds (`as_of` to the minute, the responses sheet absent
  for these readers), and nobody is named by username; no hash of the internal copy.
Not checked (README: not covered): a unit's shown children subtracted from the unit.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, create_key, officer, tree

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating, ReportVersion, Unit, User
from feedback_service.ratings.submission import local_day
from feedback_service.reports import filing
from feedback_service.reports.files import export_runs
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

PERIOD = "2026-Q3"
RANGE = "from=2026-07-01&to=2026-09-30"
PAGE_RANGE = "period=custom&from=2026-07-01&to=2026-09-30"
READ_AT = datetime(2026, 10, 2, 3, 0, tzinfo=timezone.utc)  # 10:00 local, after the quarter
CHAIR, REVIEWER, VIEWER = "chu-tich-thuc-phan", "so-noi-vu-cao-bang", "xem-tinh"
OFFICER_NAME = "Nguyễn Văn Bí Mật"
HEAD = 8  # above a sheet's table: its title, six header lines, an empty row


def _rate(desk, overall: int, day: int, *, elements: dict, conduct: dict, officer_id=None, dossier=None) -> None:
    moment = datetime(2026, 8, day, 2, 17, 41, 654321, tzinfo=timezone.utc)  # seconds and microseconds
    rating = Rating(submitted_at=moment, local_day=local_day(moment), local_hour=9, unit_id=desk.unit_id,
                    counter_id=desk.id, officer_id=officer_id, channel="dossier_qr" if dossier else "counter_qr",
                    instrument_version="sipas-6biet-v1", dossier_id=dossier.id if dossier else None,
                    verified=dossier is not None, overall=overall, elements=elements, conduct=conduct)
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))


@pytest.fixture
def world(make_app, tmp_path):
    # The province's XLSX (17 ratings) is queued; a commune's smaller one is built at once.
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), REPORT_EXPORT_INLINE_MAX=15)
    with app.app_context(), clock.running_from(READ_AT):
        _, commune, small = tree()
        desk, quiet, far = counter(commune, "Q1"), counter(commune, "Q2"), counter(small, "Q1")
        clerk = officer(desk, "CB-01", OFFICER_NAME)
        served = Dossier(code="H15.50.05.13-260801-0001", unit_id=commune.id, counter_id=desk.id,
                         procedure_code="1.001", procedure_name="Khai sinh", channel="in_person",
                         received_at=datetime(2026, 8, 1, 2, tzinfo=timezone.utc),
                         received_day=local_day(datetime(2026, 8, 1, 2, tzinfo=timezone.utc)),
                         due_at=datetime(2026, 8, 5, 9, tzinfo=timezone.utc),
                         returned_at=datetime(2026, 8, 4, 2, tzinfo=timezone.utc),
                         returned_day=local_day(datetime(2026, 8, 4, 2, tzinfo=timezone.utc)), cancelled=False)
        db.session.add(served)
        db.session.flush()
        smiles = [True, True, True, False]
        for i, overall in enumerate((5, 5, 4, 4, 5, 4, 3, 5, 4, 5, 4)):
            conduct = {"greet": True, **({"smile": smiles[i]} if i < 4 else {})}
            elements = {"access": overall, **({"procedure": 1 + i} if i < 2 else {})}
            _rate(desk, overall, 3 + i, elements=elements, conduct=conduct, officer_id=clerk.id)
        _rate(desk, 1, 20, elements={"access": 1}, conduct={"greet": True}, officer_id=clerk.id, dossier=served)
        for overall in (3, 2):
            _rate(quiet, overall, 21, elements={"access": overall}, conduct={"greet": True})
        for overall in (1, 2, 2):
            _rate(far, overall, 22, elements={"access": overall}, conduct={"greet": True})
        db.session.commit()
        fold_all(1000)
        runner = app.test_cli_runner()
        make_user(runner, CHAIR, "unit_manager", "01273")
        make_user(runner, REVIEWER, "province_officer", "04")
        make_user(runner, VIEWER, "viewer", "04")
        quarter = parse_period(PERIOD)
        version = filing.submit(commune, quarter, db.session.scalar(db.select(User).filter_by(username=CHAIR)))
        filing.review(version, db.session.scalar(db.select(User).filter_by(username=REVIEWER)), accept=False,
                      comment="Bổ sung số liệu.")
        keys = {"plain": create_key(runner, "04"), "reports": create_key(runner, "04", scope="reports")}
        yield {"app": app, "keys": keys, "desks": (desk.id, quiet.id, far.id),
               "sha256": db.session.scalar(db.select(ReportVersion.sha256))}


# ---- what counts as shown, and the checks on a JSON value -------------------------------

def hidden(value: object) -> bool:
    return value is None or value == "<5" or (isinstance(value, dict) and all(hidden(v) for v in value.values()))


def count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def small(n: int | None) -> bool:
    return n is not None and 0 < n < 5


def check_figures(value: object, where: str, problems: list[str]) -> None:
    """Every figures object at any depth of a JSON value, against the recomputations."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_figures(item, f"{where}[{i}]", problems)
        return
    if not isinstance(value, dict):
        return
    for key, inner in value.items():
        check_figures(inner, f"{where}.{key}", problems)
    if isinstance(value.get("overall"), dict):
        levels = list(value["overall"].values())
        shown = [count(v) for v in levels if count(v) is not None]
        if shown and len(shown) < len(levels):
            problems.append(f"{where}: some levels shown, some hidden (responses minus the others)")
        if len(shown) == len(levels) and small(sum(shown)):
            problems.append(f"{where}: a distribution of {sum(shown)} answers shown")
    if value.get("overall") is not None and hidden(value.get("overall")):
        for name in ("satisfaction_pct", "mean_score", "as_of"):
            if name in value and not hidden(value[name]):
                problems.append(f"{where}.{name} shown beside a hidden distribution")
    if "yes" in value and "no" in value:
        yes, no = count(value["yes"]), count(value["no"])
        if yes is not None and no is not None and small(yes + no):
            problems.append(f"{where}: yes/no on {yes + no} answers shown")
        if (yes is None) != (no is None) or ((yes is None) and not hidden(value.get("pct"))):
            problems.append(f"{where}: a percentage or count shown beside a hidden one")
    if "mean" in value and small(count(value.get("responses"))):
        for name in ("satisfaction_pct", "mean", "counts"):
            if name in value and not hidden(value[name]):
                problems.append(f"{where}.{name} shown on {value['responses']} answers")
    parts = {"sipas_index": value.get("elements"), "conduct_score": value.get("conduct")}
    for composite, items in parts.items():
        if isinstance(items, dict) and not hidden(value.get(composite)):
            for key, item in items.items():
                if isinstance(item, dict) and any(hidden(item.get(n)) and item.get(n) is not None
                                                  for n in ("satisfaction_pct", "pct", "yes")):
                    problems.append(f"{where}.{composite} shown with {key} hidden (composite minus the others)")
    for first, second, names in (("verified", "unverified", ("satisfaction_pct", "mean_score")),
                                 ("on_time", "late", ("satisfaction_pct",))):
        pair = value.get(first), value.get(second)
        if all(isinstance(p, dict) for p in pair):
            if any(small(count(p.get("responses"))) for p in pair):
                for part, name in ((p, n) for p in pair for n in names):
                    if count(part.get("responses")) and not hidden(part.get(name)):
                        problems.append(f"{where}: {name} of a small pair shown (by difference)")
    if "code" in value and "satisfaction_pct" in value and "overall" not in value:  # a report's child row
        if small(count(value.get("responses"))) and not hidden(value["satisfaction_pct"]):
            problems.append(f"{where}: a child's share on {value['responses']} ratings")
        if value["code"] == "01273" and not (hidden(value.get("sipas_index")) and hidden(value.get("conduct_score"))):
            problems.append(f"{where}: 01273's composites shown although 'procedure' and 'smile' are small")
    # QĐ 766 indicators, or a child row's (not the method's formulas, which are texts)
    if ("complained" in value or "complained_pct" in value) and not isinstance(value.get("complained_pct"), str) \
            or value.get("complained_pct") == "<5":
        rated = count(value.get("rated"))
        if rated is None or small(rated):
            for name in ("complained", "complained_pct", "tthc_satisfaction_pct", "points"):
                if not hidden(value.get(name)):
                    problems.append(f"{where}.{name} shown on {value.get('rated')} ratings of dossiers")
    as_of = value.get("as_of")
    if isinstance(as_of, str) and as_of != "<5":
        moment = datetime.fromisoformat(as_of)
        if moment.second or moment.microsecond:
            problems.append(f"{where}.as_of carries seconds: {as_of}")


def check_text(text: str, world, where: str, problems: list[str], own: str | None = None) -> None:
    """Nothing in the output names a person by username, shows an officer in a report, or
    carries the hash of the internal copy."""
    for name in {CHAIR, REVIEWER, VIEWER} - {own}:
        if name in text:
            problems.append(f"{where}: the username {name!r}")
    if world["sha256"] in text:
        problems.append(f"{where}: the internal copy's sha256")


def check_report(document: dict, world, where: str, problems: list[str]) -> None:
    check_figures(document, where, problems)
    check_text(json.dumps(document, ensure_ascii=False), world, where, problems)
    for name in ("officers", "sha256", "derived_from_sha256"):
        if name in document:
            problems.append(f"{where}: carries {name}")
    if OFFICER_NAME in json.dumps(document, ensure_ascii=False):
        problems.append(f"{where}: names an officer")


# ---- files read back into JSON --------------------------------------------------------------

def nest(pairs: list[tuple[str, object]]) -> dict:
    """Dotted JSON keys and values (a figures section of a file) back into a JSON object."""
    out: dict = {}
    for path, value in pairs:
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def from_cells(value: object) -> object:
    """A spreadsheet cell as JSON had it: numbers back from text where a CSV wrote them."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return None if value == "" else value


def sections_of(rows: list[list]) -> dict[str, tuple[list[str], list[list]]]:
    """{sheet title: (JSON keys, data rows)} from the section tables of a CSV."""
    found, index = {}, 0
    while index < len(rows):
        row = rows[index]
        if len(row) == 2 and row[0] and index + 2 < len(rows) and not any(rows[index - 1] if index else ["x"]):
            keys = [k for k in rows[index + 2] if k]
            data, index = [], index + 3
            while index < len(rows) and any(rows[index]):
                data.append([from_cells(v) for v in rows[index][:len(keys)]])
                index += 1
            found[row[0]] = (keys, data)
        index += 1
    return found


def check_tables(tables: dict[str, tuple[list, list]], world, where: str, problems: list[str]) -> None:
    for forbidden in ("Cán bộ", "Ý kiến"):
        if forbidden in tables:
            problems.append(f"{where}: has the sheet {forbidden!r}")
    keys, rows = tables["Tổng hợp"]
    satisfaction = nest([(row[1], row[2]) for row in rows])
    check_figures(satisfaction, f"{where}/Tổng hợp", problems)
    keys, rows = tables["Đơn vị trực thuộc"]
    check_figures([nest(list(zip(keys, row))) for row in rows], f"{where}/Đơn vị trực thuộc", problems)


def xlsx_tables(data: bytes, world, where: str, problems: list[str]) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(data))
    tables = {}
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        text = json.dumps(rows, ensure_ascii=False, default=str)
        check_text(text, world, f"{where}/{sheet.title}", problems)
        if OFFICER_NAME in text:
            problems.append(f"{where}/{sheet.title}: names an officer")
        if len(rows) <= HEAD + 1:  # a table without rows (a commune has no children)
            tables[sheet.title] = ([], [])
            continue
        keys = [k for k in rows[HEAD + 1] if k is not None]  # the labels row, then the JSON keys row
        tables[sheet.title] = (keys, [r[:len(keys)] for r in rows[HEAD + 2:] if any(v is not None for v in r)])
    return tables


# ---- pages ------------------------------------------------------------------------------------

FIGURE = re.compile(r'<span class="figure[^"]*"(?: id="[^"]*")? data-value="([^"]*)"(?: data-n="(\d+)")?')
EXPLANATIONS = re.compile(r"Chưa đủ dữ liệu[^<]*|chưa đủ dữ liệu[^<]*|dưới 5 ý kiến")


def row_text(html: str, pattern: str) -> str:
    match = re.search(r"<tr[^>]*" + pattern + r".*?</tr>", html, re.S)
    assert match, pattern
    return EXPLANATIONS.sub("", re.sub(r"<[^>]+>", " ", match.group(0)))


def check_page(html: str, url: str, world, problems: list[str]) -> None:
    for value, n in FIGURE.findall(html):
        if value and n and small(int(n)):
            problems.append(f"{url}: a figure {value} on {n} answers")
    check_text(html, world, url, problems, own=VIEWER)
    if OFFICER_NAME in html and "/reports" in url:
        problems.append(f"{url}: a report page names an officer")
    if 'id="ranking"' in html and 'data-unit="01279"' in html:
        if re.search(r"\d", row_text(html, r'data-unit="01279"').replace("3", "", 1).replace("Phường Nùng Trí Cao", "")):
            problems.append(f"{url}: 01279's row shows a figure on 3 ratings")
    desk, quiet, _ = world["desks"]
    # Desk Q1 (12 ratings): its share may show, not its composites; desk Q2 (2 ratings): nothing.
    for row_id, allowed in ((f'data-counter="{desk}"', 1), (f'data-counter="{quiet}"', 0)):
        if row_id in html:
            row = re.search(r"<tr[^>]*" + row_id + r".*?</tr>", html, re.S).group(0)
            shown = [v for v, _ in FIGURE.findall(row) if v]
            if len(shown) > allowed:
                problems.append(f"{url}: counter row {row_id} shows {shown}")
    if 'id="conduct"' in html:
        table = html[html.index('id="conduct"'):]
        text = row_text(table, r">\s*<th scope=\"row\">Biết cười")
        if re.search(r"[1-9]", text):  # zeros: nobody answered it on that page
            problems.append(f"{url}: the 'smile' row shows {text.split()}")
    if 'id="fig-sipas"' in html and ('data-unit' in html or 'report-levels' in html):
        for card in ("fig-sipas", "fig-conduct"):
            if re.search(rf'id="{card}" data-value="\d', html):
                problems.append(f"{url}: {card} shown although a part is small")
    if 'id="report-levels"' in html:
        text = row_text(html, r'data-row="element-procedure"')
        if re.search(r"[1-9]", text):
            problems.append(f"{url}: 'procedure' counts shown {text.split()}")
        if "report-officers" in html or "report-sha256" in html:
            problems.append(f"{url}: officers or the sha256 on a published page")
        trust = html[html.index('id="report-trust"'):html.index("</table>", html.index('id="report-trust"'))]
        if re.search(r'class="figure" data-value="\d', trust):
            problems.append(f"{url}: verified / unverified shown although one has 1 rating")


# ---- the walk -------------------------------------------------------------------------------

def api_routes(world) -> list[str]:
    desk, quiet, far = world["desks"]
    routes = [f"/api/v1/units/{code}/summary?{RANGE}" for code in ("04", "01273", "01279")]
    routes += [f"/api/v1/counters/{c}/summary?{RANGE}" for c in (desk, quiet, far)]
    routes += [f"/api/v1/officers/CB-01/summary?{RANGE}"]
    routes += [f"/api/v1/units/{code}/ranking?period={PERIOD}" for code in ("04", "01273", "01279")]
    for code in ("04", "01273", "01279"):
        routes += [f"/api/v1/units/{code}/report?period={PERIOD}", f"/api/v1/units/{code}/report?period={PERIOD}&audience=public"]
    return routes


def check_ranking(body: dict, where: str, problems: list[str]) -> None:
    """01279 (3 ratings) is named in a ranking, with no figure and no rank."""
    for entry in body["units"]:
        if entry["code"] == "01279" and any(entry[name] is not None for name in entry if name not in ("code", "name")):
            problems.append(f"{where}: 01279's entry shows {entry}")


def public_pages() -> list[str]:
    return [f"/public/units/{code}?period={PERIOD}" for code in ("04", "01273", "01279")]


def check_public_page(html: str, url: str, world, problems: list[str]) -> None:
    check_page(html, url, world, problems)
    if OFFICER_NAME in html:
        problems.append(f"{url}: names an officer")
    item = re.search(r'<li class="card" data-unit="01279">.*?</li>', html, re.S)
    text = EXPLANATIONS.sub("", re.sub(r"<[^>]+>", " ", item.group(0))) if item else ""
    if item and ('class="figure' in item.group(0) or re.search(r"\d", text)):
        problems.append(f"{url}: 01279's entry shows a figure on 3 ratings")


def walk_api(client, headers: dict, world, who: str, problems: list[str]) -> int:
    read = 0
    for url in api_routes(world):
        response = client.get(url, headers=headers)
        if (who == "anonymous" and "/report" in url) or (who != "plain key" and "/officers/" in url):
            assert response.status_code == 401, url  # officers' figures: API keys only
            continue
        assert response.status_code == 200, (who, url, response.status_code)
        body = response.get_json()
        if "/ranking" in url:
            check_ranking(body, f"{who} {url}", problems)
        (check_report if "/report" in url else check_figures)(body, *(
            (world, f"{who} {url}", problems) if "/report" in url else (f"{who} {url}", problems)))
        read += 1
    if who == "anonymous":
        return read
    for code in ("04", "01273", "01279"):
        text = client.get(f"/api/v1/units/{code}/report.csv?period={PERIOD}", headers=headers).data.decode("utf-8-sig")
        check_text(text, world, f"{who} {code}.csv", problems)
        check_tables(sections_of(list(csv.reader(io.StringIO(text)))), world, f"{who} {code}.csv", problems)
        response = client.get(f"/api/v1/units/{code}/report.xlsx?period={PERIOD}", headers=headers)
        if response.status_code == 202:  # queued: built by the job, then downloaded like any export
            poll = response.headers["Location"]
            assert export_runs.build(poll.rsplit("/", 1)[1]) == "done"
            response = client.get(client.get(poll, headers=headers).get_json()["download_url"], headers=headers)
        assert response.status_code == 200, (who, code, response.status_code)
        check_tables(xlsx_tables(response.data, world, f"{who} {code}.xlsx", problems), world,
                     f"{who} {code}.xlsx", problems)
        read += 2
    return read


def dashboard_pages(world) -> list[str]:
    desk, quiet, far = world["desks"]
    pages = [f"/dashboard/units/{code}?{PAGE_RANGE}" for code in ("04", "01273", "01279")]
    pages += [f"/dashboard/counters/{c}?{PAGE_RANGE}" for c in (desk, quiet, far)]
    pages += [f"/dashboard/officers/CB-01?{PAGE_RANGE}"]
    pages += [f"/dashboard/units/{code}/reports/{PERIOD}" for code in ("04", "01273", "01279")]
    pages += [f"/dashboard/units/04/reports?period={PERIOD}"]
    return pages


def test_no_small_cell_can_be_read_or_worked_out_on_any_way_out(world):
    app, problems, read = world["app"], [], 0
    with app.app_context(), clock.running_from(READ_AT):
        anonymous = app.test_client()
        read += walk_api(anonymous, {}, world, "anonymous", problems)
        for url in public_pages():
            response = anonymous.get(url)
            assert response.status_code == 200, (url, response.status_code)
            check_public_page(response.get_data(as_text=True), url, world, problems)
            read += 1
        read += walk_api(app.test_client(), {"Authorization": f"Bearer {world['keys']['plain']}"}, world,
                         "plain key", problems)
        viewer = app.test_client()
        assert log_in(viewer, VIEWER).status_code == 302
        read += walk_api(viewer, {}, world, "viewer", problems)
        for url in dashboard_pages(world):
            response = viewer.get(url)
            assert response.status_code == 200, (url, response.status_code)
            check_page(response.get_data(as_text=True), url, world, problems)
            read += 1
        # Pages are closed to anonymous readers.
        assert anonymous.get(dashboard_pages(world)[0]).status_code in (302, 401)

        officers_csv = viewer.get(f"/dashboard/units/01273/officers.csv?{PAGE_RANGE}").data.decode("utf-8-sig")
        clerk = next(row for row in csv.reader(io.StringIO(officers_csv)) if row and row[0] == "CB-01")
        header = next(csv.reader(io.StringIO(officers_csv)))
        smile = [clerk[i] for i, name in enumerate(header) if name.startswith("Biết cười")]
        if any(cell not in ("<5", "") for cell in smile):
            problems.append(f"officers.csv: 'smile' of CB-01 shown {smile}")

        # The export the viewer asks for on the dashboard, polled and downloaded.
        posted = viewer.post("/dashboard/units/01273/report-exports", data={
            "period": PERIOD, "format": "xlsx", "csrf_token": csrf_token(viewer, "/dashboard/units/01273")})
        export_id = posted.headers["Location"].rsplit("/", 1)[1]
        assert export_runs.build(export_id) == "done"
        download = viewer.get(f"/dashboard/report-exports/{export_id}/download")
        assert download.status_code == 200
        check_tables(xlsx_tables(download.data, world, "dashboard export", problems), world, "dashboard export",
                     problems)

        # An export of the internal copy (a reports key's) does not exist for these readers.
        internal = app.test_client().get(f"/api/v1/units/01279/report.xlsx?period={PERIOD}&audience=internal",
                                         headers={"Authorization": f"Bearer {world['keys']['reports']}"})
        assert internal.status_code == 200 and "Ý kiến" in openpyxl.load_workbook(io.BytesIO(internal.data)).sheetnames
        queued = app.test_client().get(f"/api/v1/units/04/report.xlsx?period={PERIOD}",
                                       headers={"Authorization": f"Bearer {world['keys']['reports']}"})
        assert queued.status_code == 202
        internal_id = queued.headers["Location"].rsplit("/", 1)[1]
        assert export_runs.build(internal_id) == "done"
        for client, headers in ((app.test_client(), {"Authorization": f"Bearer {world['keys']['plain']}"}),
                                (viewer, {})):
            for url in (f"/api/v1/report-exports/{internal_id}", f"/api/v1/report-exports/{internal_id}/download"):
                assert client.get(url, headers=headers).status_code == 404, url
        assert viewer.get(f"/dashboard/report-exports/{internal_id}/download").status_code == 404
        # Nobody can ask up.
        for client, headers in ((app.test_client(), {"Authorization": f"Bearer {world['keys']['plain']}"}),
                                (viewer, {})):
            assert client.get(f"/api/v1/units/01273/report?period={PERIOD}&audience=internal",
                              headers=headers).status_code == 403
    assert read == 66  # every route above answered and was checked
    assert not problems, "\n".join(problems)
