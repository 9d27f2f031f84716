"""A province-year's period report in `make bench`: the JSON report and the XLSX export
job over 1,000,000 ratings and 300,000 dossiers (issue 10's "Speed" targets).

Its own SQLite database (WAL, synchronous=FULL, migrated like production), seeded with
bulk inserts straight through the driver (executemany: minutes through the ORM, seconds
here), then `summaries.fold.rebuild()` as an operator would run it after an import. Each
measure runs in a fresh subprocess, so its peak RSS is the measure's own (VmHWM of
/proc/self/status, which exec starts afresh; `ru_maxrss` would carry over the peak of the
forked parent, the benchmark driver itself):
the JSON report is `filing.served_document` + `json.dumps` (what the API route does), once every
commune has filed and been accepted, so that it is compiled from all of their snapshots,
the XLSX is the RQ job function itself (`worker.reports.build_export`).

`python -m benchmarks.reports` runs this part alone; BENCH_REPORT_RATINGS,
BENCH_REPORT_DOSSIERS and BENCH_REPORT_COMMUNES scale it down while developing.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATINGS = int(os.environ.get("BENCH_REPORT_RATINGS", "1000000"))
DOSSIERS = int(os.environ.get("BENCH_REPORT_DOSSIERS", "300000"))
COMMUNES = int(os.environ.get("BENCH_REPORT_COMMUNES", "100"))
PROVINCE = "90"
CONDUCT = ("greet", "smile", "listen", "guide", "thank", "apologize")
ELEMENTS = ("access", "procedure", "officer", "result", "feedback")
LOCAL = timedelta(hours=7)  # Asia/Ho_Chi_Minh
BATCH = 20000

MEASURE = """
import json, sys, time
from feedback_service import create_app
app = create_app()
with app.app_context():
    from feedback_service.models import Unit
    from feedback_service.reports.filing import served_document
    from feedback_service.reports.periods import parse_period
    what, argument = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    if what == "json":
        body = json.dumps(served_document(Unit.by_code(argument), parse_period(sys.argv[3])))
        size = len(body)
    else:
        from worker.reports import build_export
        from feedback_service.models import ReportExport
        from feedback_service.extensions import db
        assert build_export(argument) == "done"
        size = db.session.get(ReportExport, argument).rows
    elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "size": size, "peak_rss_mb": peak_kb / 1024}))
"""


def bench_reports(redis_url: str, keep: bool = False) -> dict:
    work = Path(tempfile.mkdtemp(prefix="sipas-bench-report-"))
    env = dict(os.environ, SECRET_KEY=secrets.token_hex(32), DATABASE_URL=f"sqlite:///{work / 'report.db'}",
               REDIS_URL=redis_url, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT),
               REPORT_EXPORT_DIR=str(work / "exports"))
    bin_dir = Path(sys.executable).parent
    try:
        subprocess.run([bin_dir / "flask", "--app", "feedback_service", "db", "upgrade"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        year = date.today().year - 1
        started = time.perf_counter()
        seed(work / "report.db", year)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        export_id = rebuild_and_request(env, year)
        rebuilt = time.perf_counter() - started
        started = time.perf_counter()
        file_communes(env, year)
        filed = time.perf_counter() - started
        report = measure(env, "json", PROVINCE, str(year))
        export = measure(env, "xlsx", export_id)
        size_mb = sum(p.stat().st_size for p in (work / "exports").glob("*.xlsx")) / 2**20
    finally:
        if keep:
            print(f"report bench data kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "report_ratings": RATINGS, "report_dossiers": DOSSIERS, "report_communes": COMMUNES,
        "report_seed_s": round(seeded, 1), "report_rebuild_s": round(rebuilt, 1),
        "report_communes_filed_s": round(filed, 1),
        "report_json_s": round(report["seconds"], 2), "report_json_peak_rss_mb": round(report["peak_rss_mb"], 1),
        "report_xlsx_s": round(export["seconds"], 1), "report_xlsx_peak_rss_mb": round(export["peak_rss_mb"], 1),
        "report_xlsx_rows": export["size"], "report_xlsx_mb": round(size_mb, 1),
    }


def measure(env: dict, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, *args], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def seed(path: Path, year: int) -> None:
    """Units, counters, officers, dossiers and ratings of one province-year, in bulk."""
    import sqlite3

    rng = random.Random(10)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    cursor = connection.cursor()
    made = f"{year - 1}-01-01 00:00:00.000000"
    cursor.execute("INSERT INTO units (code, name, kind, active, created_at) VALUES (?, ?, ?, 1, ?)",
                   (PROVINCE, "Tỉnh Benchmark", "tỉnh", made))
    province_id = cursor.lastrowid
    desks = []  # (unit id, counter id, officer ids)
    for i in range(COMMUNES):
        cursor.execute("INSERT INTO units (code, name, kind, parent_id, active, created_at) VALUES (?, ?, ?, ?, 1, ?)",
                       (f"9{i:04d}", f"Xã {i}", "xã", province_id, made))
        unit_id = cursor.lastrowid
        for j in (1, 2):
            cursor.execute("INSERT INTO counters (unit_id, code, name, qr_version, active, created_at) "
                           "VALUES (?, ?, ?, 1, 1, ?)", (unit_id, f"Q{j}", f"Quầy {j}", made))
            counter_id = cursor.lastrowid
            officers = []
            for k in (1, 2):
                cursor.execute("INSERT INTO officers (code, name, unit_id, counter_id, active, created_at) "
                               "VALUES (?, ?, ?, ?, 1, ?)", (f"CB-{i:03d}-{j}{k}", f"Cán bộ {i}-{j}{k}", unit_id,
                                                            counter_id, made))
                officers.append(cursor.lastrowid)
            desks.append((unit_id, counter_id, officers))
    start = datetime(year, 1, 1) - LOCAL  # local midnight of 1 January, in UTC
    seconds = 365 * 86400
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    dossier_desk = []
    rows = []
    for n in range(1, DOSSIERS + 1):
        unit_id, counter_id, officers = rng.choice(desks)
        received = start + timedelta(seconds=rng.randrange(-20 * 86400, seconds))
        due = received + timedelta(days=rng.randint(3, 15))
        returned = received + timedelta(days=rng.randint(1, 20)) if rng.random() < 0.85 else None
        dossier_desk.append((unit_id, counter_id, officers))
        rows.append((f"H90.{n:07d}", unit_id, counter_id, rng.choice(officers), f"1.{n % 40:03d}",
                     f"Thủ tục {n % 40}", rng.choice(("in_person", "online", "post")), received.strftime(stamp),
                     (received + LOCAL).date().isoformat(), due.strftime(stamp), (due + LOCAL).date().isoformat(),
                     returned.strftime(stamp) if returned else None,
                     (returned + LOCAL).date().isoformat() if returned else None, received.strftime(stamp)))
        if len(rows) == BATCH:
            _dossiers(cursor, rows)
    _dossiers(cursor, rows)
    verified = min(DOSSIERS, RATINGS // 10)
    for n in range(RATINGS):
        if n < verified:
            dossier_id = n + 1
            unit_id, counter_id, officers = dossier_desk[n]
            channel = "dossier_qr"
        else:
            dossier_id = None
            unit_id, counter_id, officers = rng.choice(desks)
            channel = rng.choice(("counter_qr", "counter_qr", "kiosk", "api"))
        moment = start + timedelta(seconds=rng.randrange(seconds))
        local = moment + LOCAL
        conduct = {k: rng.choice((True, True, True, False, None)) for k in CONDUCT}
        elements = {k: rng.randint(1, 5) for k in ELEMENTS if rng.random() < 0.8}
        comment = "Cán bộ hướng dẫn tận tình, thủ tục nhanh" if rng.random() < 0.1 else None
        flag = "cooldown" if rng.random() < 0.01 else None
        rows.append((moment.strftime(stamp), local.date().isoformat(), local.hour, unit_id, counter_id,
                     rng.choice(officers), dossier_id, channel, int(dossier_id is not None),
                     rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), json.dumps(conduct), json.dumps(elements), comment,
                     "0912345678" if comment else None, flag))
        if len(rows) == BATCH:
            _ratings(cursor, rows)
    _ratings(cursor, rows)
    connection.commit()
    connection.close()


def _dossiers(cursor, rows: list) -> None:
    cursor.executemany(
        "INSERT INTO dossiers (code, unit_id, counter_id, officer_id, procedure_code, procedure_name, channel, "
        "received_at, received_day, due_at, due_day, returned_at, returned_day, resolved_day, created_at, "
        "updated_at, cancelled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        # Finished when returned (no resolved_at): resolved_day is the return day, as the model's listener keeps it.
        [(*r[:13], r[12], r[13], r[13]) for r in rows])
    rows.clear()


def _ratings(cursor, rows: list) -> None:
    cursor.executemany(
        "INSERT INTO ratings (submitted_at, local_day, local_hour, unit_id, counter_id, officer_id, dossier_id, "
        "channel, verified, overall, conduct, elements, comment, contact_phone, flag_reason, instrument_version, "
        "language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sipas-6biet-v1', 'vi')", rows)
    rows.clear()


def file_communes(env: dict, year: int) -> None:
    """Every commune submits its live report and the province accepts it, as they would before
    the province files: the province's JSON is then compiled from all of their snapshots."""
    script = f"""
from feedback_service import create_app
from feedback_service.extensions import db
from feedback_service.models import Unit, User
from feedback_service.reports import filing
from feedback_service.reports.periods import parse_period
from feedback_service.units.tree import child_units
app = create_app()
with app.app_context():
    admin = User(username="bench-admin", password_hash="!", role="admin")
    db.session.add(admin)
    db.session.commit()
    period = parse_period("{year}")
    for commune in child_units(Unit.by_code("{PROVINCE}")):
        filing.review(filing.submit(commune, period, admin), admin, accept=True)
"""
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True)


def rebuild_and_request(env: dict, year: int) -> str:
    """Fold everything (`summaries rebuild`) and record the export the job will build."""
    script = f"""
import secrets
from feedback_service import create_app, clock
from feedback_service.extensions import db
from feedback_service.models import ReportExport, Unit
from feedback_service.summaries.fold import rebuild
app = create_app()
with app.app_context():
    rebuild()
    row = ReportExport(id=secrets.token_hex(16), unit_id=Unit.by_code("{PROVINCE}").id, period="{year}",
                       format="xlsx", internal=True, status="queued", progress=0,
                       created_at=clock.now(), updated_at=clock.now())
    db.session.add(row)
    db.session.commit()
    print(row.id)
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return out.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from redis_server import RedisServer

    redis = RedisServer().start()
    try:
        print(json.dumps(bench_reports(redis.url, keep=bool(os.environ.get("BENCH_KEEP_DATA"))), indent=2))
    finally:
        redis.stop()
