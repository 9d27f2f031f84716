"""1,000 counter posters as one PDF in `make bench` (the poster PDF's speed target).

Draws what the RQ job draws (`poster_runs.faces` over 1,000 counters, then
`poster_sheets.write_posters`) in a fresh subprocess, with signed counter URLs as real
as production's; the counters are not read from a database (reading 1,000 rows is
milliseconds beside the drawing). Also reports the PDF's size.

`python -m benchmarks.posters` runs this part alone.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTERS = int(os.environ.get("BENCH_POSTERS", "1000"))

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
    drawn = poster_sheets.write_posters(target, poster_runs.faces(counters), "1up")
    seconds = time.perf_counter() - started
print(json.dumps({"posters_pdf_s": round(seconds, 2), "posters_pdf_count": drawn,
                  "posters_pdf_mb": round(len(target.getvalue()) / 1e6, 1)}))
"""


def bench_posters() -> dict:
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
