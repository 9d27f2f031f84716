"""1,000 counter posters as one PDF in `make bench` (the poster PDF's speed target).

Does what the RQ job does (`poster_runs.faces` over 1,000 counters, the digest of what
they show, `poster_runs.basis_of`, then `poster_sheets.write_posters`) in a fresh
subprocess, with signed counter URLs as real as production's; the counters are not read
from a database (reading 1,000 rows is milliseconds beside the drawing). Runs it
BENCH_POSTER_RUNS times (default 3), each in a process of its own, and reports the median
(the machine is shared: one run may be a neighbour's slow moment), and the PDF's size.

`python -m benchmarks.posters` runs this part alone.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTERS = int(os.environ.get("BENCH_POSTERS", "1000"))
RUNS = int(os.environ.get("BENCH_POSTER_RUNS", "3"))

MEASURE = """
import io, json, sys, time
from feedback_service import create_app
from feedback_service.models import Counter, Unit
from feedback_service.ratings import poster_runs, poster_sheets

app = create_app()
with app.test_request_context():
    province = Unit(id=1, code="90", name="Tỉnh Điện Biên")
    counters = []
    for index in range(int(sys.argv[1])):
        commune = Unit(id=2 + index // 5, code=f"{10000 + index // 5}", name=f"Phường Mường Thanh {index // 5}",
                       parent=province)
        counters.append(Counter(id=index + 1, code=f"Q{index % 5 + 1}", name=f"Quầy {index % 5 + 1} — Đất đai, xây dựng",
                                unit=commune, qr_version=1, active=True))
    started = time.perf_counter()
    target = io.BytesIO()
    faces = list(poster_runs.faces(counters))
    poster_runs.basis_of(province, faces)
    asked = time.perf_counter() - started  # what a request pays to know whether a built PDF is current
    drawn = poster_sheets.write_posters(target, faces, "1up")
    seconds = time.perf_counter() - started
print(json.dumps({"posters_pdf_s": round(seconds, 2), "posters_pdf_count": drawn,
                  "posters_pdf_mb": round(len(target.getvalue()) / 1e6, 1),
                  "posters_basis_ms": round(asked * 1000, 1)}))
"""


def bench_posters() -> dict:
    runs = [_one_run() for _ in range(RUNS)]
    seconds = [run["posters_pdf_s"] for run in runs]
    return {**runs[0], "posters_pdf_s": round(statistics.median(seconds), 2), "posters_pdf_runs": len(runs),
            "posters_pdf_slowest_s": max(seconds),
            "posters_basis_ms": round(statistics.median(run["posters_basis_ms"] for run in runs), 1)}


def _one_run() -> dict:
    with tempfile.TemporaryDirectory(prefix="sipas-bench-posters-") as folder:
        env = {**os.environ, "SECRET_KEY": "bench-posters", "PUBLIC_BASE_URL": "https://sipas.dienbien.gov.vn",
               "DATABASE_URL": f"sqlite:///{folder}/posters.db", "REDIS_URL": "redis://127.0.0.1:1/0"}
        done = subprocess.run([sys.executable, "-c", MEASURE, str(POSTERS)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the poster benchmark failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(bench_posters(), indent=2))
