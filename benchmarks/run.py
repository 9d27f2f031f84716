"""`make bench`: the speed and memory targets, measured on this machine.

Starts the real pieces on loopback (a private redis-server, gunicorn with the
production config, a fresh SQLite in WAL/FULL mode), sends a bounded load, and
writes benchmarks/results.json and benchmarks/RESULTS.md. Targets are checked
here, not in timed unit tests. The commune chair's dashboard is measured last,
over the same year of history (benchmarks/dashboard.py), then a province-year's period
report in a database of its own (benchmarks/reports.py). BENCH_KEEP_DATA=1 keeps
the database afterwards, to profile a slow page against the same data.
"""
from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))  # redis_server.py (moved there with the test tiers)

from redis_server import RedisServer, free_port  # noqa: E402

from benchmarks.dashboard import bench_dashboard  # noqa: E402
from benchmarks.posters import bench_posters  # noqa: E402
from benchmarks.reports import bench_reports  # noqa: E402

SUBMIT_SECONDS = int(os.environ.get("BENCH_SUBMIT_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
FOLD_RATINGS = int(os.environ.get("BENCH_FOLD_RATINGS", "20000"))
HISTORY_RATINGS = int(os.environ.get("BENCH_HISTORY_RATINGS", "60000"))
SUMMARY_READS = 200
COMMUNES = 50

# What a serious deployment needs on this 2-core machine (see README, "Benchmarks").
TARGETS = {
    "submit_saturated_rps": (">=", 100),
    "submit_light_p99_ms": ("<=", 100),
    "fold_ratings_per_s": (">=", 5000),
    "summary_cold_p95_ms": ("<=", 250),
    "summary_warm_p95_ms": ("<=", 20),
    "citizen_page_kb": ("<=", 50),
    "web_worker_rss_mb": ("<=", 150),
    # The chair's pages as they open after any fold (summary cache missed); the inbox has no cache.
    "dashboard_province_cold_p95_ms": ("<=", 1000),
    "dashboard_commune_cold_p95_ms": ("<=", 500),
    "dashboard_inbox_province_p95_ms": ("<=", 300),
    "dashboard_inbox_commune_overdue_p95_ms": ("<=", 300),
    # A province-year's period report (issue 10): 1,000,000 ratings, 300,000 dossiers.
    "report_json_s": ("<=", 5),
    # Every counter poster of a province as one PDF (issue 15): 1,000 A4 pages.
    "posters_pdf_s": ("<=", 20),
    "report_xlsx_s": ("<=", 30),
    "report_xlsx_peak_rss_mb": ("<=", 300),
}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="sipas-bench-"))
    redis = RedisServer().start()
    port = free_port()
    env = dict(os.environ, SECRET_KEY=secrets.token_hex(32), DATABASE_URL=f"sqlite:///{work / 'bench.db'}",
               REDIS_URL=redis.url, PORT=str(port), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
               RATELIMIT_ENABLED="false", ABUSE_COOLDOWN_SECONDS="0", LOG_LEVEL="WARNING",
               PYTHONPATH=str(ROOT))
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL")})
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "flask", "--app", "feedback_service", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    tokens = seed()
    web = subprocess.Popen([bin_dir / "gunicorn", "-c", "config/gunicorn.conf.py", "feedback_service:create_app()"],
                           env=dict(env, GUNICORN_CMD_ARGS="--access-logfile /dev/null"), cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=open(work / "web.log", "w"))
    results: dict = {}
    try:
        wait_for(port)
        results.update(bench_submissions(port, tokens, work))
        results.update(bench_page(port, tokens[0]))
        results["web_worker_rss_mb"] = worker_rss_mb(web.pid)
        results.update(bench_fold())
        results.update(bench_summary(port))
        results.update(bench_dashboard(port, redis.url))
        results.update(bench_reports(redis.url, keep=bool(os.environ.get("BENCH_KEEP_DATA"))))
        results.update(bench_posters())
    except Exception:
        print((work / "web.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        web.terminate()
        web.wait(30)
        redis.stop()
        # A full run leaves a quarter-gigabyte database: kept only when asked, to profile a page against it.
        if os.environ.get("BENCH_KEEP_DATA"):
            print(f"bench data kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    write_results(results)
    failed = [k for k, (op, target) in TARGETS.items() if not meets(results[k], op, target)]
    print("targets missed: " + ", ".join(failed) if failed else "all targets met")
    return 1 if failed else 0


def seed() -> list[str]:
    from feedback_service import create_app
    from feedback_service.extensions import db
    from feedback_service.models import Counter, Unit
    from feedback_service.ratings.tokens import counter_token

    app = create_app()
    with app.app_context():
        province = Unit(code="04", name="Tỉnh Cao Bằng", kind="tỉnh")
        db.session.add(province)
        db.session.flush()
        desks = []
        for i in range(COMMUNES):
            commune = Unit(code=f"{1000 + i:05d}", name=f"Xã {i}", kind="xã", parent_id=province.id)
            db.session.add(commune)
            db.session.flush()
            desks += [Counter(unit_id=commune.id, code=f"Q{j}", name=f"Quầy {j}") for j in (1, 2)]
        db.session.add_all(desks)
        db.session.commit()
        return [counter_token(d) for d in desks]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


WRK_SCRIPT = """
tokens = {%s}
math.randomseed(1)
request = function()
  local body = '{"token":"' .. tokens[math.random(#tokens)] .. '","overall":' .. math.random(1, 5) ..
    ',"conduct":{"greet":true,"apologize":false},"elements":{"access":' .. math.random(1, 5) .. '}}'
  return wrk.format("POST", "/api/v1/ratings", {["Content-Type"] = "application/json"}, body)
end
"""


def bench_submissions(port: int, tokens: list[str], work: Path) -> dict:
    """Submissions from wrk (C, so the load generator takes little of the 2 cores):
    a saturating run for throughput and a light one for latency, then a check
    that every acknowledged rating is in the database."""
    script = work / "submit.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{t}"' for t in tokens))
    results, acknowledged = {}, 0
    for name, connections in (("saturated", CONCURRENCY), ("light", 2)):
        out = subprocess.run([ensure_wrk(), "-t2", f"-c{connections}", f"-d{SUBMIT_SECONDS}s", "--latency",
                              "-s", str(script), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError("submissions failed under load:\n" + out)
        acknowledged += int(re.search(r"(\d+) requests in", out).group(1))
        latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
        if not {"50", "99"} <= latency.keys():
            raise RuntimeError("wrk printed no latency distribution:\n" + out)
        results[f"submit_{name}_rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        for p in ("50", "99"):
            results[f"submit_{name}_p{p}_ms"] = to_ms(latency[p])
        results[f"submit_{name}_connections"] = connections
    stored = stored_ratings()
    # wrk stops with up to one request per connection in flight: stored but not counted.
    if not acknowledged <= stored <= acknowledged + CONCURRENCY + 2:
        raise RuntimeError(f"wrk saw {acknowledged} ratings acknowledged, the database has {stored}")
    results["submissions_stored"] = stored
    return results


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if not path and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        path = shutil.which("wrk")
    if not path:
        raise RuntimeError("make bench needs wrk (apt-get install wrk)")
    return path


def stored_ratings() -> int:
    from feedback_service import create_app
    from feedback_service.extensions import db
    from feedback_service.models import Rating

    with create_app().app_context():
        return db.session.query(Rating).count()


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 1)


def bench_page(port: int, token: str) -> dict:
    total = 0
    for path in (f"/q/{token}", "/static/css/citizen.css"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        total += len(conn.getresponse().read())
    return {"citizen_page_kb": round(total / 1024, 1)}


def add_synthetic(db, desks, count: int, days: int, seed: int) -> None:
    """`count` ratings over the last `days` days, each with its outbox row."""
    from feedback_service.models import PendingFold, Rating

    rng = random.Random(seed)
    conduct_keys = ("greet", "smile", "listen", "guide", "thank", "apologize")
    for start in range(0, count, 5000):
        batch = []
        for _ in range(min(5000, count - start)):
            desk = rng.choice(desks)
            moment = datetime.now(timezone.utc) - timedelta(days=rng.randint(0, days - 1), minutes=rng.randint(0, 600))
            batch.append(Rating(submitted_at=moment, local_day=moment.date(), unit_id=desk.unit_id,
                                counter_id=desk.id, channel="api", instrument_version="sipas-6biet-v1",
                                overall=rng.randint(1, 5),
                                conduct={k: rng.choice([True, False, None]) for k in conduct_keys},
                                elements={"result": rng.randint(1, 5), "officer": rng.randint(1, 5)}))
        db.session.add_all(batch)
        db.session.flush()
        db.session.add_all([PendingFold(rating_id=r.id) for r in batch])
        db.session.commit()
        db.session.expunge_all()


def bench_fold() -> dict:
    """Fold a stream (the submitted ratings plus three days' backlog), then give
    the database a year of history and time a full rebuild over it."""
    from feedback_service import create_app
    from feedback_service.summaries.fold import fold_all, rebuild
    from feedback_service.extensions import db
    from feedback_service.models import Counter, PendingFold, Rating

    app = create_app()
    with app.app_context():
        desks = db.session.query(Counter).all()
        add_synthetic(db, desks, FOLD_RATINGS, days=3, seed=2)
        pending = db.session.query(PendingFold).count()
        started = time.perf_counter()
        folded = fold_all(app.config["AGGREGATION_BATCH_SIZE"])
        fold_s = time.perf_counter() - started
        assert folded == pending

        add_synthetic(db, desks, HISTORY_RATINGS, days=365, seed=3)
        started = time.perf_counter()
        rebuilt = rebuild()
        rebuild_s = time.perf_counter() - started
        assert rebuilt == db.session.query(Rating).count()
    return {"fold_ratings": folded, "fold_ratings_per_s": round(folded / fold_s),
            "rebuild_ratings": rebuilt, "rebuild_ratings_per_s": round(rebuilt / rebuild_s)}


def bench_summary(port: int) -> dict:
    """Province summary with its 50 children over a year of history: cold (a
    period never asked before, so computed from the tables) and warm (the Redis
    cache of the current fold generation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def timed(path: str) -> float:
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        return time.perf_counter() - started

    today = datetime.now(timezone.utc).date()
    cold = [timed(f"/api/v1/units/04/summary?from={today - timedelta(days=400 + i)}") for i in range(SUMMARY_READS)]
    warm = [timed("/api/v1/units/04/summary") for _ in range(SUMMARY_READS)]
    return {"summary_cold_p50_ms": pct_ms(cold, 50), "summary_cold_p95_ms": pct_ms(cold, 95),
            "summary_warm_p50_ms": pct_ms(warm, 50), "summary_warm_p95_ms": pct_ms(warm, 95),
            "summary_children": COMMUNES}


def worker_rss_mb(master_pid: int) -> float:
    """The largest gunicorn worker's resident memory after the load."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    rss = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss.append(int(line.split()[1]) / 1024)
    return round(max(rss), 1)


def pct_ms(values: list[float], percentile: int) -> float:
    return round(statistics.quantiles(values, n=100)[percentile - 1] * 1000, 1)


def meets(value: float, op: str, target: float) -> bool:
    return value >= target if op == ">=" else value <= target


def write_results(results: dict) -> None:
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "python": platform.python_version(), "database": "SQLite (WAL, synchronous=FULL)"}
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    lines = ["# Benchmark results", "", f"Measured {meta['date']} on {meta['cores']} cores, Python {meta['python']}, "
             f"{meta['database']}; `make bench` regenerates this file.", "",
             "| measure | value | target | met |", "|---|---|---|---|"]
    for key, value in results.items():
        op, target = TARGETS.get(key, ("", None))
        met = "" if target is None else ("yes" if meets(value, op, target) else "**no**")
        lines.append(f"| {key} | {value} | {'' if target is None else f'{op} {target}'} | {met} |")
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
