"""The commune chair's dashboard in `make bench`: the pages a chair and the province
open every morning, timed over real HTTP against the year of history run.py built.

The synthetic history knows counters only, and its ratings were inserted without
opening cases, so this module first gives each counter its officers (and their
ratings), rebuilds the summaries so officers have figures, and runs the case
backfill once (timed: it is what an operator runs after an import). Then two
dashboard accounts log in like a browser and each page is read cold and warm.

"Cold" is the page as it opens after any fold: the fold generation is bumped
before every read, as the workers do all day, so the cached unit summary is
missed. "Warm" repeats the same page inside the summary cache's lifetime.
"""
from __future__ import annotations

import http.client
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

OFFICERS_PER_COUNTER = 2  # two counters per commune: the "6 biết" table lists four officers
PAGE_READS = int(os.environ.get("BENCH_DASHBOARD_READS", "40"))
# Long enough for the account rules; the accounts live only in the throwaway database.
PASSWORD = "bench-mat-khau-dai"
PROVINCE = "04"
# Pages whose headline figures come from the cached unit / scope summary.
SUMMARY_PAGES = ("province", "commune", "officer")


@dataclass
class Fixture:
    """What the timed pages name: one commune (the chair's) and one of its officers."""

    commune: str
    officer: str


def bench_dashboard(port: int, redis_url: str) -> dict:
    """Seed, log in, and time each page: p50/p95 cold and warm, and the province page's size."""
    fixture, results = seed_dashboard()
    province = Browser(port)
    province.log_in("bench-province")
    chair = Browser(port)
    chair.log_in("bench-chair")
    pages = {
        "province": (province, f"/dashboard/units/{PROVINCE}?period=year"),
        "commune": (chair, f"/dashboard/units/{fixture.commune}?period=year"),
        "inbox_province": (province, f"/dashboard/units/{PROVINCE}/cases"),
        "inbox_commune_overdue": (chair, f"/dashboard/units/{fixture.commune}/cases?overdue=1"),
        "officer": (chair, f"/dashboard/officers/{fixture.officer}?period=year"),
    }
    new_generation = generation_bumper(redis_url)
    for name, (browser, path) in pages.items():
        # The inbox reads no cached summary: for it cold and warm are the same page.
        states = (("cold_", new_generation), ("warm_", None)) if name in SUMMARY_PAGES else (("", None),)
        for state, before in states:
            times = [browser.timed(path, before) for _ in range(PAGE_READS)]
            results[f"dashboard_{name}_{state}p50_ms"] = pct_ms(times, 50)
            results[f"dashboard_{name}_{state}p95_ms"] = pct_ms(times, 95)
    results["dashboard_province_page_kb"] = round(len(province.body(pages["province"][1])) / 1024, 1)
    results["dashboard_reads_per_page"] = PAGE_READS
    return results


# --- the data the pages need -------------------------------------------------------

def seed_dashboard() -> tuple[Fixture, dict]:
    """Officers with their ratings, the cases the history calls for, two accounts;
    returns what the pages name and the backfill's measures."""
    from sqlalchemy import case, func, select, update

    from feedback_service import create_app
    from feedback_service.summaries.fold import rebuild
    from feedback_service.cases.workflow import backfill
    from feedback_service.extensions import db
    from feedback_service.models import Case, Counter, Officer, Rating, Unit
    from feedback_service.people.users import create_user

    app = create_app()
    with app.app_context():
        counters = list(db.session.scalars(select(Counter).order_by(Counter.id)))
        for desk in counters:
            commune = db.session.get(Unit, desk.unit_id)
            staff = [Officer(code=f"CB-{commune.code}-{desk.code}-{k}", name=f"Công chức {desk.code}.{k} {commune.name}",
                             unit_id=desk.unit_id, counter_id=desk.id) for k in range(1, OFFICERS_PER_COUNTER + 1)]
            db.session.add_all(staff)
            db.session.flush()
            # Each rating goes to one officer of its counter, so every officer has a year of figures.
            db.session.execute(update(Rating).where(Rating.counter_id == desk.id).values(
                officer_id=case((Rating.id % 2 == 0, staff[0].id), else_=staff[1].id)))
        db.session.commit()
        rebuild()  # the officers' summaries

        without_case = db.session.scalar(
            select(func.count()).select_from(Rating).outerjoin(Case, Case.rating_id == Rating.id)
            .where(Case.id.is_(None), Rating.flag_reason.is_(None)))
        started = time.perf_counter()
        opened = backfill()
        backfill_s = time.perf_counter() - started
        cases_total = db.session.scalar(select(func.count()).select_from(Case))

        province = Unit.by_code(PROVINCE)
        commune = db.session.scalar(select(Unit).where(Unit.parent_id == province.id).order_by(Unit.code).limit(1))
        create_user("bench-province", PASSWORD, "province_officer", province)
        create_user("bench-chair", PASSWORD, "unit_manager", commune)
        officer = db.session.scalar(select(Officer).where(Officer.unit_id == commune.id).order_by(Officer.code).limit(1))
        return Fixture(commune=commune.code, officer=officer.code), {
            "dashboard_officers": len(counters) * OFFICERS_PER_COUNTER,
            "case_backfill_ratings": without_case, "case_backfill_opened": opened, "cases_total": cases_total,
            "case_backfill_s": round(backfill_s, 1),
            "case_backfill_ratings_per_s": round(without_case / backfill_s) if backfill_s else 0,
        }


def generation_bumper(redis_url: str) -> Callable[[], object]:
    """What a fold does after it commits: a new generation, so no cached summary is used."""
    import redis

    from feedback_service.summaries.read import GENERATION_KEY

    client = redis.Redis.from_url(redis_url)
    return lambda: client.incr(GENERATION_KEY)


# --- a logged-in browser -------------------------------------------------------------

class Browser:
    """A session cookie over plain http.client: GET /login for the form's CSRF token,
    POST it back, then every page with the cookie, as a browser would."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            name, _, value = raw.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, dict(response.headers), content

    def log_in(self, username: str) -> None:
        status, _headers, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        status, headers, _page = self.request("POST", "/login", {"username": username, "password": PASSWORD,
                                                                 "csrf_token": token})
        if status != 302 or "/login" in headers.get("Location", ""):
            raise RuntimeError(f"dashboard login of {username} failed: HTTP {status}")

    def body(self, path: str) -> bytes:
        status, _headers, content = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return content

    def timed(self, path: str, before: Callable[[], object] | None = None) -> float:
        if before is not None:
            before()
        started = time.perf_counter()
        self.body(path)
        return time.perf_counter() - started


def pct_ms(values: list[float], percentile: int) -> float:
    return round(statistics.quantiles(values, n=100)[percentile - 1] * 1000, 1)
