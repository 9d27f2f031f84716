"""Jobs: queue names, the job functions by reference, the periodic table, and the
one helper every enqueue goes through.

The job functions live in `worker/`, thin wrappers over the domain packages. The
package names them here, once, by dotted path (RQ's own way), so nothing in the
package imports `worker/` and a worker resolves them at run time. Each job's queue is
named here too (`QUEUE_OF_JOB`), and which queues each worker role consumes
(`WORKER_ROLES`): the fold never waits behind a job that runs for minutes.
`tests/jobs/test_processes.py` checks the Procfile, `make run` and the systemd units
consume every queue and never the fold's beside the long jobs', and
`tests/pure/test_jobs.py` that every name below resolves to a function.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import uuid4

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job

from .extensions import redis_client, rq_redis
from .redis_breaker import RedisSkipped

# The fold: many small jobs, each due within seconds of a rating.
AGGREGATION = "aggregation"
# Short jobs bounded by their own timeouts (a webhook POST, one e-mail, a sweep that
# only queues): they may share a process with the fold.
DEFAULT = "default"
# Jobs that may run for minutes (a province-year export, a report run over every unit):
# served by a worker of their own, never by a process that folds.
LONG = "long"
ALL_QUEUES = (AGGREGATION, DEFAULT, LONG)

# Every job function, by dotted path.
FOLD_PENDING = "worker.aggregation.fold_pending"
DELIVER_WEBHOOK = "worker.webhooks.deliver"
SWEEP_WEBHOOKS = "worker.webhooks.sweep_pending"
NOTIFY_CASE = "worker.notifications.notify_case"
SWEEP_CASE_NOTICES = "worker.notifications.sweep_unnotified"
PREPARE_REPORTS = "worker.reports_schedule.prepare_closed_periods"
BUILD_REPORT_EXPORT = "worker.reports.build_export"
SWEEP_REPORT_EXPORTS = "worker.reports.sweep_exports"
BUILD_POSTER_SHEET = "worker.posters.build_sheet"
APPLY_REORGANISATIONS = "worker.units.apply_reorganisations"
# Each job's queue: what `enqueue` and the scheduler put it on.
QUEUE_OF_JOB = {
    FOLD_PENDING: AGGREGATION,
    DELIVER_WEBHOOK: DEFAULT,
    SWEEP_WEBHOOKS: DEFAULT,
    NOTIFY_CASE: DEFAULT,
    SWEEP_CASE_NOTICES: DEFAULT,
    # A draft for every unit of the country and a mail to each of their managers.
    PREPARE_REPORTS: LONG,
    # A million rows of responses: tens of seconds.
    BUILD_REPORT_EXPORT: LONG,
    # Walks the export folder, whose files may be many and large.
    SWEEP_REPORT_EXPORTS: LONG,
    # Every counter poster of a province: a thousand pages, several seconds.
    BUILD_POSTER_SHEET: LONG,
    # Rebuilds every summary when a merger takes effect.
    APPLY_REORGANISATIONS: LONG,
}
ALL_JOBS = tuple(QUEUE_OF_JOB)

# The worker roles (Procfile, `make run`, config/systemd/) and the queues each consumes,
# in priority order. No role may hold both AGGREGATION and LONG (`worker_queues` refuses).
FOLD_WORKER = "worker"
LONG_WORKER = "long_worker"
WORKER_ROLES = {FOLD_WORKER: (AGGREGATION, DEFAULT), LONG_WORKER: (LONG,)}


class QueuesRefused(ValueError):
    """A worker was asked for queues it may not consume: an unknown one, or the fold's beside
    the long jobs'."""


def worker_queues(queues: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The queues a worker consumes: those asked for, or the fold worker's by default.

    One process never holds both the fold and the long jobs: RQ runs one job at a time,
    so a fold would wait behind a province-year export for as long as it runs.
    """
    chosen = tuple(queues) or WORKER_ROLES[FOLD_WORKER]
    unknown = sorted(set(chosen) - set(ALL_QUEUES))
    if unknown:
        raise QueuesRefused(f"unknown queue {', '.join(unknown)}: the queues are {', '.join(ALL_QUEUES)}")
    if AGGREGATION in chosen and LONG in chosen:
        raise QueuesRefused(f"the {AGGREGATION!r} and {LONG!r} queues need a worker each: a fold must "
                          "not wait behind a long job")
    return chosen


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # one of ALL_JOBS
    interval_setting: str  # config key holding the interval in seconds
    timeout: int = 600

    @property
    def queue(self) -> str:
        return QUEUE_OF_JOB[self.func]


# Periodic work, declared once; run by exactly one `flask scheduler` process.
PERIODIC_JOBS = (
    # Catches whatever a lost nudge missed (Redis down at submission, a crash).
    Periodic("aggregation-sweep", FOLD_PENDING, "SWEEP_INTERVAL_SECONDS"),
    # Sends webhook deliveries whose job was lost and those whose backoff is over.
    Periodic("webhook-sweep", SWEEP_WEBHOOKS, "SWEEP_INTERVAL_SECONDS"),
    # E-mails unit managers about new cases whose notice job was lost.
    Periodic("case-notice-sweep", SWEEP_CASE_NOTICES, "SWEEP_INTERVAL_SECONDS"),
    # Prepares each unit's draft when a reporting period closes, mails its managers, reminds them.
    Periodic("report-schedule", PREPARE_REPORTS, "REPORT_SCHEDULE_INTERVAL_SECONDS", timeout=1800),
    # Deletes report export and poster PDF files whose download link has expired.
    Periodic("report-export-sweep", SWEEP_REPORT_EXPORTS, "REPORT_EXPORT_SWEEP_SECONDS"),
    # Applies the splits and mergers recorded ahead of their date once it has come (ratings
    # go to the new unit from midnight whatever; this moves the tree and the counters).
    Periodic("reorganisations", APPLY_REORGANISATIONS, "REORGANISATION_CHECK_SECONDS", timeout=3600),
)

# The nudge key names the fold job a nudge enqueued. A nudge that finds it naming a
# job still waiting in the queue knows that job will see its rating (the job deletes
# the key before it reads the outbox). A job no longer in the queue was taken by a
# worker that is about to clear the key, or that died first (SIGKILL between taking
# the job and clearing the key, or a client that timed out between claiming and
# enqueueing): either way the nudge claims the key and enqueues a job of its own,
# at worst one job too many. Before, such a key held back every nudge until the
# sweep or its TTL.
FOLD_PENDING_KEY = "sipas:fold:pending"
FOLD_PENDING_TTL = 60
# A claim this young whose job does not exist yet is being enqueued right now.
FOLD_CLAIM_GRACE_MS = 2000
_CLAIM_FOLD = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
local held = redis.call('GET', KEYS[1])
if held then
  if redis.call('LPOS', KEYS[2], held) then return 0 end
  if redis.call('EXISTS', ARGV[3] .. held) == 0
     and redis.call('PTTL', KEYS[1]) > tonumber(ARGV[2]) * 1000 - tonumber(ARGV[4]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""

log = logging.getLogger(__name__)


def job_function(path: str):
    """The function a dotted job path names (what a worker runs)."""
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def enqueue(func: str, *args, queue: str | None = None, job_id: str | None = None,
            timeout: int = 300, retries: int = 3, connection=None):
    """Enqueue a job (one of ALL_JOBS) on its queue (QUEUE_OF_JOB) with the house defaults.

    Results are not kept for long (nobody reads them); failures are kept a week
    for an operator to look at. Retries are for transient failures: jobs are
    idempotent, so a retry never double-counts. `connection` defaults to the app's.
    `queue` is for a function outside ALL_JOBS (a test's); a job's own is QUEUE_OF_JOB's.
    """
    home = QUEUE_OF_JOB.get(func)
    if home and queue not in (None, home):
        raise ValueError(f"{func} runs on the {home!r} queue, not {queue!r} (QUEUE_OF_JOB)")
    queue = home or queue or DEFAULT
    return Queue(queue, connection=connection or rq_redis()).enqueue(
        func,
        *args,
        job_id=job_id,
        job_timeout=timeout,
        result_ttl=300,
        failure_ttl=7 * 86400,
        retry=Retry(max=retries, interval=[5, 30, 120][:retries]) if retries else None,
    )


def nudge_aggregation() -> bool:
    """Ask for a fold soon; coalesces a burst of ratings into a few jobs.

    Best-effort by design: the rating is already committed with its outbox row,
    and the scheduler's sweep folds anything a lost nudge missed. Returns whether
    a job was enqueued.
    """
    job_id = f"fold-{uuid4().hex}"
    try:
        # One round trip: claim the key for a new job unless it names one still waiting.
        claimed = redis_client().eval(
            _CLAIM_FOLD, 2, FOLD_PENDING_KEY, Queue(AGGREGATION, connection=rq_redis()).key,
            job_id, FOLD_PENDING_TTL, Job.redis_job_namespace_prefix, FOLD_CLAIM_GRACE_MS)
        if not claimed:
            return False
        enqueue(FOLD_PENDING, job_id=job_id, timeout=600)
        return True
    except RedisSkipped:
        return False  # the breaker has said once that Redis is out: no line per rating
    except RedisError as exc:
        log.warning("aggregation nudge skipped, Redis unavailable: %s", exc)
        return False
