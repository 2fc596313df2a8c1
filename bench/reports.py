"""The province's compliance report at scale, against the bare SQL aggregate.

On a synthetic province made by `manage.py seed_scale` (BENCH_PEOPLE people,
default 1,000,000, ten ledger entries each for BENCH_YEAR), in one run:
  (a) the bare SQL aggregate, straight through psycopg: per-person sums by category
      for the year from the ledger, then the compliant / short counts by city;
  (b) the portal's province report job end to end (SQL, xlsx, PDF) on a real Celery
      worker process, with that worker's peak RSS;
  (c) the report's own aggregate (credits.reports.report_compute) over the
      per-person-year totals, which the job rests on: b/c is what the job, the xlsx
      and the PDF add to that query.
(c) and (b) are timed BENCH_RUNS (3) times in turn, each (b) a new job on the same
worker (one pair is at the mercy of a shared machine's noise); the figures shown for
them are those of the run with the median b/c.

    .venv/bin/python bench/reports.py                      # seeds once, then reuses
    BENCH_PEOPLE=100000 .venv/bin/python bench/reports.py  # a smaller province

The line before last reads `report/sql=<b/a> sql_s=<a> report_s=<b> peak_mb=<worker peak>`,
the last `totals_s=<c> report/totals=<b/c>`.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
YEAR = int(os.environ.get("BENCH_YEAR", "2025"))
BENCH_DB = os.environ.get("BENCH_DATABASE", f"portal_bench_scale_{PEOPLE}")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
QUEUE = f"bench-reports-{uuid.uuid4().hex[:8]}"
MEDIA = tempfile.mkdtemp(prefix="bench-reports-")
os.environ.update(
    DATABASE_URL=f"{SERVER}/{BENCH_DB}",
    REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
    CELERY_QUEUE=QUEUE,
    PRIVATE_MEDIA_ROOT=MEDIA,
    DJANGO_SETTINGS_MODULE="portal.settings",
)

BARE_SQL = """
    WITH sums AS (
        SELECT person_id,
               COALESCE(SUM(hours) FILTER (WHERE category = 'public'), 0) AS pub,
               COALESCE(SUM(hours) FILTER (WHERE category = 'professional'), 0) AS prof
        FROM credits_creditentry WHERE year = %(year)s GROUP BY person_id
    )
    SELECT c.name, COUNT(*),
           COUNT(*) FILTER (WHERE COALESCE(s.pub, 0) >= 30 AND COALESCE(s.prof, 0) >= 60),
           COUNT(*) FILTER (WHERE COALESCE(s.pub, 0) < 30 AND COALESCE(s.prof, 0) >= 60),
           COUNT(*) FILTER (WHERE COALESCE(s.pub, 0) >= 30 AND COALESCE(s.prof, 0) < 60),
           COUNT(*) FILTER (WHERE COALESCE(s.pub, 0) < 30 AND COALESCE(s.prof, 0) < 60)
    FROM portal_professionalprofile pp
    JOIN portal_unit u ON u.id = pp.unit_id
    JOIN portal_city c ON c.id = u.city_id
    LEFT JOIN sums s ON s.person_id = pp.user_id
    GROUP BY c.name
"""


def ensure_seeded():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, check=True)
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        people = conn.execute("SELECT COUNT(*) FROM portal_professionalprofile").fetchone()[0]
    if people < PEOPLE:
        print(f"seeding {PEOPLE} people (once; later runs reuse {BENCH_DB})")
        command = [*manage, "seed_scale", "--people", str(PEOPLE), "--years", str(YEAR)]
        subprocess.run(command, cwd=ROOT, check=True)


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    ensure_seeded()
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute(BARE_SQL, {"year": YEAR}).fetchall()  # warm the cache, as (b) will be
        started = time.perf_counter()
        conn.execute(BARE_SQL, {"year": YEAR}).fetchall()
        sql_s = time.perf_counter() - started

    import django

    django.setup()
    from credits.models import ReportJob
    from credits.reports import report_compute, report_request
    from portal.models import JobStatus

    unsaved = ReportJob(year=YEAR, scope=ReportJob.Scope.PROVINCE)
    report_compute(unsaved)  # warm the cache, as (b) will be

    def timed_totals():
        started = time.perf_counter()
        totals = report_compute(unsaved)
        return totals, time.perf_counter() - started

    log = Path(MEDIA) / "worker.log"
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"),
            *("--without-mingle", "--without-gossip", "-Q", QUEUE, "--loglevel=INFO"),
        ],
        cwd=ROOT,
        stdout=open(log, "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    try:
        while " ready." not in log.read_text(errors="ignore"):
            time.sleep(0.2)
        runs = []  # (c, b, job), interleaved: the machine's noise meets both alike
        for _ in range(RUNS):
            totals, totals_s = timed_totals()
            started = time.perf_counter()
            job = report_request(year=YEAR, scope=ReportJob.Scope.PROVINCE)
            done = (JobStatus.DONE, JobStatus.FAILED)
            while ReportJob.objects.get(pk=job.pk).status not in done:
                time.sleep(0.1)
            runs.append((totals_s, time.perf_counter() - started, job.pk))
        peak = peak_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    failures = []
    for number, (totals_s, report_s, pk) in enumerate(runs, 1):
        job = ReportJob.objects.get(pk=pk)
        assert job.status == JobStatus.DONE, job.error
        if totals["total"] != job.summary["total"]:
            failures.append(f"(c) {totals['total']} differs from job {pk}'s {job.summary['total']}")
        ratio = report_s / totals_s
        print(f"run {number}: (c) {totals_s:6.2f} s, (b) {report_s:6.2f} s, b/c {ratio:.2f}")
    median = sorted(runs, key=lambda run: run[1] / run[0])[len(runs) // 2]
    totals_s, report_s, _pk = median
    print(f"people: {job.summary['total']['people']}, year {YEAR}")
    print(f"(a) bare SQL aggregate from the ledger: {sql_s:6.2f} s")
    print(f"(b) province report job (SQL, xlsx, PDF): {report_s:6.2f} s")
    print(f"(c) the report's aggregate over the totals: {totals_s:6.2f} s")
    print(f"worker peak RSS: {peak:.0f} MB")
    print("targets: b/a <= 1.5, b/c <= 2, worker peak <= 1 GB")
    if failures:
        raise SystemExit("FAILED: " + "; ".join(failures))
    ratio = report_s / sql_s
    print(f"report/sql={ratio:.2f} sql_s={sql_s:.2f} report_s={report_s:.2f} peak_mb={peak:.0f}")
    print(f"totals_s={totals_s:.2f} report/totals={report_s / totals_s:.2f}")


if __name__ == "__main__":
    main()
