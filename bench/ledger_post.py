"""Throughput of the ledger's batch entry point on PostgreSQL.

Posts 100,000 entries through credits.services.credit_post_batch into a fresh
database, then the same 100,000 again (all duplicates), and, as the baseline, a
sample through credit_post (one entry per call) in the same run. Also in the same
run, the same rows are COPYed (psycopg 3 cursor.copy, one transaction) into an
unindexed copy of the ledger table: the floor any batch insert rests on.

The machines are shared and their disks noisy: one batch against one COPY swung
batch/copy between 0.12 and 0.31 from run to run. So the ratio is taken over
BENCH_PAIRS (3) pairs, each a batch of ENTRIES new entries followed at once by the
COPY of the same rows (the first pair's batch is the first run above), and the line
shows the median pair.

Exits non-zero unless every batch of new entries posted every entry, the duplicate
run posted none, and the ledger and the copy hold what they should.

    .venv/bin/python bench/ledger_post.py            # 100,000 entries
    BENCH_ENTRIES=20000 .venv/bin/python bench/ledger_post.py

The last line reads `posted/s=<first run> duplicates/s=<second run>
batch/copy=<median over the pairs of batch entries/s / COPY rows/s>`.
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
PAIRS = int(os.environ.get("BENCH_PAIRS", "3"))
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

    from django.db import connection, transaction

    from credits.models import Category, CreditEntry, Source
    from credits.services import CreditRecord, credit_post, credit_post_batch
    from portal.models import City, User
    from tests.factories import id_number_for

    City.objects.get(code="370100")
    people = User.objects.bulk_create(
        User(id_number=id_number_for(i), real_name=f"压测{i}", password="!") for i in range(PEOPLE)
    )

    def batch_of_new(pair):
        return [
            CreditRecord(
                person_id=people[i % PEOPLE].pk,
                year=2025,
                category=Category.PUBLIC if i % 3 else Category.PROFESSIONAL,
                hours=Decimal("1.5"),
                source=Source.PLATFORM,
                source_ref=f"bench-{pair}-{i}",
            )
            for i in range(ENTRIES)
        ]

    def timed_batch(records):
        started = time.perf_counter()
        result = credit_post_batch(records)
        return result, result.posted / (time.perf_counter() - started)

    failures = []
    records = batch_of_new(0)
    first, posted_rate = timed_batch(records)
    pairs = [(posted_rate, copy_rows(records, connection, transaction, CreditEntry))]

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

    for pair in range(1, PAIRS):
        more = batch_of_new(pair)
        result, rate = timed_batch(more)
        if result.posted != ENTRIES:
            failures.append(f"pair {pair + 1}'s batch posted {result.posted} of {ENTRIES}")
        pairs.append((rate, copy_rows(more, connection, transaction, CreditEntry)))

    if first.posted != ENTRIES:
        failures.append(f"the first run posted {first.posted} of {ENTRIES}")
    if second.posted != 0 or second.duplicates != ENTRIES:
        failures.append(f"the second run posted {second.posted}, {second.duplicates} duplicates")
    in_ledger = CreditEntry.objects.count()
    expected = ENTRIES * PAIRS + BASELINE_ENTRIES
    if in_ledger != expected:
        failures.append(f"the ledger holds {in_ledger}, not {expected}")
    for number, (_rate, (_copy_rate, copied)) in enumerate(pairs, 1):
        if copied != ENTRIES:
            failures.append(f"pair {number}'s copy holds {copied} of {ENTRIES}")
    ratios = sorted(rate / copy_rate for rate, (copy_rate, _copied) in pairs)
    median = ratios[len(ratios) // 2]
    print(f"entries: {ENTRIES} for {PEOPLE} people")
    print(f"batch, new entries:        {posted_rate:>10,.0f} entries/s")
    print(f"batch, all duplicates:     {duplicate_rate:>10,.0f} entries/s")
    for number, (rate, (copy_rate, _copied)) in enumerate(pairs, 1):
        print(
            f"pair {number}: batch {rate:>10,.0f} entries/s, COPY {copy_rate:>10,.0f} rows/s,"
            f" batch/copy {rate / copy_rate:.2f}"
        )
    print(
        f"baseline credit_post:      {single_rate:>10,.0f} entries/s ({BASELINE_ENTRIES} entries)"
    )
    print(f"ratio batch/baseline:      {posted_rate / single_rate:>10.1f}x")
    print("targets: both batch figures >= 50,000 entries/s, batch/copy >= 0.25")
    print(f"posted/s={posted_rate:.0f} duplicates/s={duplicate_rate:.0f} batch/copy={median:.2f}")
    if failures:
        raise SystemExit("FAILED: " + "; ".join(failures))


COPY_TABLE = "bench_creditentry_copy"


def copy_rows(records, connection, transaction, entry_model) -> tuple[float, int]:
    """COPY the rows into a copy of the ledger table without its indexes, constraints
    or triggers, in one transaction: (rows/s, rows in the copy)."""
    from django.utils import timezone

    columns = [
        "person_id",
        "year",
        "category",
        "hours",
        "source",
        "source_ref",
        "description",
        "occurred_on",
        "recorded_at",
        "reason",
    ]
    ledger = entry_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        like = f"LIKE {ledger} INCLUDING DEFAULTS INCLUDING IDENTITY"
        cursor.execute(f"CREATE TABLE {COPY_TABLE} ({like})")
    now = timezone.now()
    started = time.perf_counter()
    statement = f"COPY {COPY_TABLE} ({', '.join(columns)}) FROM STDIN"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,  # the psycopg 3 cursor under Django's
    ):
        for r in records:
            row = [r.person_id, r.year, r.category, r.hours, r.source, r.source_ref]
            copy.write_row([*row, r.description, r.occurred_on, now, ""])
    rate = len(records) / (time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {COPY_TABLE}")  # noqa: S608 - a constant
        return rate, cursor.fetchone()[0]


if __name__ == "__main__":
    main()
