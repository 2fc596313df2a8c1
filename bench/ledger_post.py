"""Throughput of the ledger's batch entry point on PostgreSQL.

Posts 100,000 entries through credits.services.credit_post_batch into a fresh
database, then the same 100,000 again (all duplicates), and, as the baseline, a
sample through credit_post (one entry per call) in the same run.

    .venv/bin/python bench/ledger_post.py            # 100,000 entries
    BENCH_ENTRIES=20000 .venv/bin/python bench/ledger_post.py

The last line reads `posted/s=<first run> duplicates/s=<second run>`.
"""

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE", "portal_bench")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))
PEOPLE = 1000
BASELINE_ENTRIES = 2000


def fresh_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def main():
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from credits.models import Category, Source
    from credits.services import CreditRecord, credit_post, credit_post_batch
    from portal.models import City, User
    from tests.factories import id_number_for

    City.objects.get(code="370100")
    people = User.objects.bulk_create(
        User(id_number=id_number_for(i), real_name=f"压测{i}", password="!") for i in range(PEOPLE)
    )
    records = [
        CreditRecord(
            person_id=people[i % PEOPLE].pk,
            year=2025,
            category=Category.PUBLIC if i % 3 else Category.PROFESSIONAL,
            hours=Decimal("1.5"),
            source=Source.PLATFORM,
            source_ref=f"bench-{i}",
        )
        for i in range(ENTRIES)
    ]

    started = time.perf_counter()
    first = credit_post_batch(records)
    posted_rate = first.posted / (time.perf_counter() - started)

    started = time.perf_counter()
    second = credit_post_batch(records)
    duplicate_rate = second.duplicates / (time.perf_counter() - started)

    started = time.perf_counter()
    for i in range(BASELINE_ENTRIES):
        credit_post(
            person=people[i % PEOPLE],
            year=2025,
            category=Category.PUBLIC,
            hours=Decimal("1.0"),
            source=Source.COURSE,
            source_ref=f"baseline-{i}",
        )
    single_rate = BASELINE_ENTRIES / (time.perf_counter() - started)

    assert first.posted == ENTRIES and second.duplicates == ENTRIES, (first, second)
    print(f"entries: {ENTRIES} for {PEOPLE} people")
    print(f"batch, new entries:        {posted_rate:>10,.0f} entries/s")
    print(f"batch, all duplicates:     {duplicate_rate:>10,.0f} entries/s")
    print(
        f"baseline credit_post:      {single_rate:>10,.0f} entries/s ({BASELINE_ENTRIES} entries)"
    )
    print(f"ratio batch/baseline:      {posted_rate / single_rate:>10.1f}x")
    print("target: both batch figures >= 50,000 entries/s")
    print(f"posted/s={posted_rate:.0f} duplicates/s={duplicate_rate:.0f}")


if __name__ == "__main__":
    main()
