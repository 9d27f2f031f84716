"""Submitting ratings and computing what their summary must be, independently of the app."""
from __future__ import annotations

import random
from collections import Counter

from redis import Redis
from rq import Queue, SimpleWorker

from feedback_service.jobs import ALL_QUEUES
from feedback_service.ratings.tokens import counter_token

CONDUCT = ("greet", "smile", "listen", "guide", "thank", "apologize")
ELEMENTS = ("access", "procedure", "officer", "result", "feedback")
# The public API withholds a figure resting on 1-4 answers (README "Small cells").
MIN_ANSWERS = 5


def too_few(n: int) -> bool:
    return 0 < n < MIN_ANSWERS


def random_body(rng: random.Random, token: str) -> dict:
    body = {"token": token, "overall": rng.choice([1, 2, 3, 4, 4, 5, 5, 5])}
    body["conduct"] = {k: rng.choice([True, True, False, None]) for k in CONDUCT if rng.random() < 0.8}
    body["elements"] = {k: rng.randint(1, 5) for k in ELEMENTS if rng.random() < 0.6}
    return body


def submit_many(client, counters, n: int, seed: int = 7) -> list[tuple[int, dict]]:
    """Submit n ratings spread over the counters; returns (counter id, body) pairs."""
    rng = random.Random(seed)
    sent = []
    for _ in range(n):
        desk = rng.choice(counters)
        body = random_body(rng, counter_token(desk))
        response = client.post("/api/v1/ratings", json=body)
        assert response.status_code == 201, response.get_json()
        sent.append((desk.id, body))
    return sent


def expected(bodies: list[dict]) -> dict:
    """The documented method, computed the long way round, small cells withheld as published."""
    overall = Counter(str(b["overall"]) for b in bodies)
    n = len(bodies)
    result = {"responses": n, "overall": {str(level): overall.get(str(level), 0) for level in range(1, 6)}}
    result["satisfaction_pct"] = round(100 * (overall["4"] + overall["5"]) / n, 2) if n else None
    result["mean_score"] = round(sum(b["overall"] for b in bodies) / n, 2) if n else None
    element_pcts = []
    result["elements"] = {}
    for key in ELEMENTS:
        answers = [b["elements"][key] for b in bodies if key in b.get("elements", {})]
        pct = 100 * sum(a >= 4 for a in answers) / len(answers) if answers else None
        if pct is not None:
            element_pcts.append(pct)
        result["elements"][key] = {
            "responses": len(answers),
            "satisfaction_pct": round(pct, 2) if pct is not None else None,
            "mean": round(sum(answers) / len(answers), 2) if answers else None,
            "withheld": [],
        }
        if too_few(len(answers)):
            result["elements"][key].update(satisfaction_pct=None, mean=None, withheld=["satisfaction_pct", "mean"])
    result["sipas_index"] = round(sum(element_pcts) / len(element_pcts), 2) if element_pcts else None
    result["conduct"], pcts = {}, []
    for key in CONDUCT:
        values = [b.get("conduct", {}).get(key) for b in bodies]
        yes, no = values.count(True), values.count(False)
        pct = 100 * yes / (yes + no) if yes + no else None
        if pct is not None:
            pcts.append(pct)
        result["conduct"][key] = {"yes": yes, "no": no, "unknown": n - yes - no,
                                  "pct": round(pct, 2) if pct is not None else None, "withheld": []}
        if too_few(yes + no):
            result["conduct"][key] = {"yes": None, "no": None, "unknown": None, "pct": None,
                                      "withheld": ["yes", "no", "unknown", "pct"]}
    result["conduct_score"] = round(sum(pcts) / len(pcts), 2) if pcts else None
    # A composite is withheld with any of its parts; the overall figures on the ratings.
    if any(e["withheld"] for e in result["elements"].values()):
        result["sipas_index"] = None
    if any(c["withheld"] for c in result["conduct"].values()):
        result["conduct_score"] = None
    if too_few(n):
        result.update(overall=None, satisfaction_pct=None, mean_score=None)
    return result


def figures(summary: dict) -> dict:
    keys = ("responses", "overall", "satisfaction_pct", "mean_score", "elements", "sipas_index",
            "conduct", "conduct_score")
    return {k: summary[k] for k in keys}


def run_worker(redis_url: str) -> int:
    """Drain every queue with a real RQ worker in burst mode; returns jobs run."""
    connection = Redis.from_url(redis_url)
    queues = [Queue(q, connection=connection) for q in ALL_QUEUES]
    before = sum(q.finished_job_registry.count for q in queues)
    SimpleWorker(queues, connection=connection).work(burst=True)
    assert all(q.failed_job_registry.count == 0 for q in queues), "a job failed"
    return sum(q.finished_job_registry.count for q in queues) - before


def rating_without_case(desk, day, **answers):
    """A rating stored before cases existed: written directly, with no case (backfill opens it)."""
    from datetime import datetime, timezone

    from feedback_service.extensions import db
    from feedback_service.ratings.instrument import current_instrument
    from feedback_service.models import Rating

    rating = Rating(submitted_at=datetime.combine(day, datetime.min.time(), timezone.utc), local_day=day,
                    unit_id=desk.unit_id, counter_id=desk.id, channel="counter_qr",
                    instrument_version=current_instrument().version,
                    **{"overall": 5, "conduct": {}, "elements": {}, **answers})
    db.session.add(rating)
    db.session.commit()
    return rating
