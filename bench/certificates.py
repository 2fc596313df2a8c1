"""Certificate throughput: raw WeasyPrint against the real batch path on Celery.

In one run, against a fresh PostgreSQL database and the local Redis:
  (a) the baseline: the certificate template rendered by WeasyPrint in a loop;
  (b) batch issuance of BENCH_CERTS certificates through the real path (database,
      Celery with Redis, one worker process), with the worker's RSS at start and end;
  (c) the same for another year with two worker processes;
  (u) the same as (b) with signing off (SIGN_DOCUMENTS=false), for another year:
      the signed pipeline's cost is b/u.

    .venv/bin/python bench/certificates.py                  # 2,000 certificates
    BENCH_CERTS=500 .venv/bin/python bench/certificates.py  # a quicker run

The last line reads `portal/raw=<b/a> two/one=<c/b> kb=<median PDF size in KB>
signed/unsigned=<b/u>`.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE", "portal_bench_certs")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
CERTS = int(os.environ.get("BENCH_CERTS", "2000"))
RAW_RENDERS = int(os.environ.get("BENCH_RAW", "100"))
QUEUE = f"bench-certificates-{uuid.uuid4().hex[:8]}"
MEDIA = tempfile.mkdtemp(prefix="bench-certificates-")

os.environ.update(
    DATABASE_URL=f"{SERVER}/{BENCH_DB}",
    REDIS_URL=REDIS_URL,
    CELERY_QUEUE=QUEUE,
    PRIVATE_MEDIA_ROOT=MEDIA,
    DJANGO_SETTINGS_MODULE="portal.settings",
)


def fresh_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_workers(count: int, log: Path, env: dict | None = None) -> list[subprocess.Popen]:
    workers = []
    ready_before = log.read_text(errors="ignore").count(" ready.") if log.exists() else 0
    for _ in range(count):
        workers.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"),
                    *("--without-mingle", "--without-gossip", "--loglevel=INFO", "-Q", QUEUE),
                ],
                cwd=ROOT,
                stdout=open(log, "ab"),  # noqa: SIM115 - closed with the process
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )
        )
    deadline = time.monotonic() + 60
    while log.read_text(errors="ignore").count(" ready.") < ready_before + count:
        if time.monotonic() > deadline:
            raise SystemExit(f"workers did not start; see {log}")
        time.sleep(0.2)
    return workers


def run_batch(year: int, unit, requested_by, workers: int, log: Path, env: dict | None = None):
    from certificates.batches import batch_create
    from certificates.models import IssuanceBatch
    from portal.models import JobStatus

    processes = start_workers(workers, log, env)
    rss_start = [rss_mb(p.pid) for p in processes]
    started = time.perf_counter()
    batch = batch_create(year=year, requested_by=requested_by, unit=unit)
    while IssuanceBatch.objects.get(pk=batch.pk).status != JobStatus.DONE:
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    rss_end = [rss_mb(p.pid) for p in processes]
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
    batch = IssuanceBatch.objects.get(pk=batch.pk)
    assert batch.done == CERTS and batch.failed == 0, (batch.done, batch.failed)
    return CERTS / elapsed, rss_start, rss_end


def main():
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from certificates.models import Certificate
    from certificates.services import STYLESHEET, certificate_html, certificate_issue
    from credits.models import Category, Source
    from credits.services import CreditRecord, credit_post_batch
    from portal.models import City, ProfessionalProfile, Unit, User
    from portal.pdf import render_pdf
    from tests.factories import credit_code_for, id_number_for

    unit = Unit.objects.create(
        name="压测医院", credit_code=credit_code_for(1), city=City.objects.get(code="370100")
    )
    people = User.objects.bulk_create(
        User(id_number=id_number_for(i, birth=_birth(i)), real_name=f"压测{i}", password="!")
        for i in range(CERTS)
    )
    ProfessionalProfile.objects.bulk_create(ProfessionalProfile(user=u, unit=unit) for u in people)
    credit_post_batch(
        CreditRecord(p.pk, year, category, Decimal(hours), Source.PLATFORM, f"b-{p.pk}-{year}-{c}")
        for p in people
        for year in (2022, 2024, 2025)
        for c, (category, hours) in enumerate(((Category.PUBLIC, 30), (Category.PROFESSIONAL, 60)))
    )
    requested_by = User.objects.create(id_number=id_number_for(999_999), real_name="人事")
    credit_post_batch(
        CreditRecord(people[0].pk, 2023, category, Decimal(hours), Source.COURSE, f"s-{category}")
        for category, hours in ((Category.PUBLIC, 30), (Category.PROFESSIONAL, 60))
    )

    # (a) the baseline: WeasyPrint alone, on the same template and data.
    sample = certificate_issue(person=people[0], year=2023, issued_by=None, render=False)
    render_pdf(certificate_html([sample]), stylesheets=(STYLESHEET,))  # warm up
    started = time.perf_counter()
    for _ in range(RAW_RENDERS):
        render_pdf(certificate_html([sample]), stylesheets=(STYLESHEET,))
    raw_rate = RAW_RENDERS / (time.perf_counter() - started)

    log = Path(MEDIA) / "workers.log"
    unsigned_rate, unsigned_start, unsigned_end = run_batch(
        2022, unit, requested_by, 1, log, {"SIGN_DOCUMENTS": "false"}
    )
    one_rate, rss_start, rss_end = run_batch(2024, unit, requested_by, 1, log)
    two_rate, _start, _end = run_batch(2025, unit, requested_by, 2, log)

    sizes = [
        os.path.getsize(Path(MEDIA) / name)
        for name in Certificate.objects.exclude(pdf="")
        .filter(year__in=(2024, 2025))
        .values_list("pdf", flat=True)
    ]
    median_kb = statistics.median(sizes) / 1024
    print(f"certificates per batch: {CERTS}")
    print(f"(a) raw WeasyPrint:           {raw_rate:8.1f} certificates/s ({RAW_RENDERS} renders)")
    print(f"(b) batch, one worker:        {one_rate:8.1f} certificates/s")
    print(f"(c) batch, two workers:       {two_rate:8.1f} certificates/s")
    print(f"(u) batch, one worker, unsigned: {unsigned_rate:5.1f} certificates/s")
    print(f"worker RSS over {CERTS} certificates: {rss_start[0]:.0f} MB -> {rss_end[0]:.0f} MB")
    print(
        f"unsigned worker RSS over {CERTS} certificates: "
        f"{unsigned_start[0]:.0f} MB -> {unsigned_end[0]:.0f} MB"
    )
    print(f"median signed PDF size: {median_kb:.1f} KB")
    print("targets: b/a >= 0.8, c/b >= 1.7, b/u >= 0.7, PDF <= 100 KB, RSS flat")
    print(
        f"portal/raw={one_rate / raw_rate:.2f} two/one={two_rate / one_rate:.2f} "
        f"kb={median_kb:.1f} signed/unsigned={one_rate / unsigned_rate:.2f}"
    )


def _birth(i):
    import datetime

    return datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)


if __name__ == "__main__":
    main()
