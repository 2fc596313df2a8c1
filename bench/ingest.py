"""Platform push throughput through the real HTTP endpoint.

Starts the portal (runserver, no autoreload, DEBUG off) on a fresh PostgreSQL
database, pushes BENCH_RECORDS records (default 100,000) for 1,000 approved
professionals in signed batches of 1,000, then pushes the same records again (new
signatures: a platform retrying). Then, in the same run, the ledger is emptied and
the same records, as the ingestion makes them, are posted straight through
credits.services.credit_post_batch in the same batches (with_refs, as the ingestion
calls it): the ratio is what the HTTP endpoint and the ingestion add to the ledger.

Exits non-zero unless the first pass credits every record, the replay credits none
and the batch pass posts every record.

    .venv/bin/python bench/ingest.py
    BENCH_RECORDS=20000 .venv/bin/python bench/ingest.py   # a quicker run

The last line reads `ingest/s=<first pass> replay/s=<second pass> ingest/batch=<first
pass / batch pass>`.
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE", "portal_bench_ingest")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
RECORDS = int(os.environ.get("BENCH_RECORDS", "100000"))
BATCH = 1000
PEOPLE = 1000
PORT = int(os.environ.get("BENCH_PORT", "8765"))
ENV = {
    "DATABASE_URL": f"{SERVER}/{BENCH_DB}",
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DEBUG": "false",
}
os.environ.update(ENV)


def fresh_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def start_server(log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=open(log, "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not start; see {log}")


def push_all(batches, key, secret) -> float:
    from learning.platforms.services import sign

    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    started = time.perf_counter()
    for records in batches:
        body = json.dumps({"records": records}).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Key-Id": key.key_id,
            "X-Timestamp": stamp,
            "X-Signature": sign(secret, stamp, body),
        }
        connection.request("POST", "/api/platforms/sdou/completions", body, headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise SystemExit(f"push failed: {response.status} {payload[:300]!r}")
    return RECORDS / (time.perf_counter() - started)


def main():
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from credits.models import CreditEntry
    from learning.models import Platform, PlatformKey
    from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role, User
    from tests.factories import UnitFactory, id_number_for

    unit = UnitFactory()
    people = User.objects.bulk_create(
        User(id_number=id_number_for(i), real_name=f"压测{i}", password="!") for i in range(PEOPLE)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=person, unit=unit, status=ReviewStatus.APPROVED)
        for person in people
    )
    Membership.objects.bulk_create(
        Membership(user=person, role=Role.PROFESSIONAL) for person in people
    )
    if User.objects.professionals().count() != PEOPLE:
        raise SystemExit("the bench's people are not approved professionals")
    key, secret = PlatformKey.new_for(Platform.objects.get(code="sdou"))
    records = [
        {
            "external_id": f"bench-{i}",
            "id_number": people[i % PEOPLE].id_number,
            "name": people[i % PEOPLE].real_name,
            "course_title": "专业技术人员职业道德和能力建设",
            "hours": 1.5,
            "category": "public",
            "completed_at": "2025-06-01T10:00:00+08:00",
        }
        for i in range(RECORDS)
    ]
    batches = [records[i : i + BATCH] for i in range(0, RECORDS, BATCH)]

    log = Path(tempfile.mkdtemp(prefix="bench-ingest-")) / "server.log"
    server = start_server(log)
    try:
        first = push_all(batches, key, secret)
        after_first = CreditEntry.objects.count()
        # Replays need new signatures: the portal refuses a signature it has seen.
        time.sleep(1.1)
        second = push_all(batches, key, secret)
        after_second = CreditEntry.objects.count()
    finally:
        server.terminate()
        server.wait(timeout=30)

    batch, batch_posted = post_batches(records, people)

    print(f"records: {RECORDS} in batches of {BATCH}, {PEOPLE} approved professionals")
    print(f"first pass:  {first:8,.0f} records/s, ledger entries {after_first}")
    replayed = after_second - after_first
    print(f"replay pass: {second:8,.0f} records/s, credited by the replay {replayed}")
    print(f"batch pass:  {batch:8,.0f} records/s through credit_post_batch, posted {batch_posted}")
    print("targets: first >= 5,000 records/s, replay no slower, replay credits 0,")
    print("         ingest/batch >= 0.2")
    failures = []
    if after_first != RECORDS:
        failures.append(f"the first pass credited {after_first} of {RECORDS} records")
    if replayed != 0:
        failures.append(f"the replay credited {replayed} records")
    if batch_posted != RECORDS:
        failures.append(f"the batch pass posted {batch_posted} of {RECORDS} records")
    print(f"ingest/s={first:.0f} replay/s={second:.0f} ingest/batch={first / batch:.2f}")
    if failures:
        raise SystemExit("FAILED: " + "; ".join(failures))


def post_batches(records, people) -> tuple[float, int]:
    """The same records straight through the ledger's batch entry point, in the same
    batches, on an emptied ledger: (records/s, entries posted)."""
    import datetime
    from decimal import Decimal

    from django.db import connection, transaction

    from credits.models import Category, CreditEntry, PersonYearTotal, Source
    from credits.services import CreditRecord, credit_post_batch
    from learning.models import ledger_ref

    tables = [CreditEntry._meta.db_table, PersonYearTotal._meta.db_table]
    with transaction.atomic(), connection.cursor() as cursor:
        # The ledger refuses TRUNCATE unless this setting says it is meant.
        cursor.execute("SET LOCAL credits.allow_truncate = 'on'")
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    person_ids = {person.id_number: person.pk for person in people}
    credits = [
        CreditRecord(
            person_id=person_ids[record["id_number"]],
            year=2025,
            category=Category.PUBLIC,
            hours=Decimal(str(record["hours"])),
            source=Source.PLATFORM,
            source_ref=ledger_ref("sdou", record["external_id"]),
            description=record["course_title"],
            occurred_on=datetime.date(2025, 6, 1),
        )
        for record in records
    ]
    started = time.perf_counter()
    for start in range(0, len(credits), BATCH):
        credit_post_batch(credits[start : start + BATCH], with_refs=True)
    rate = len(credits) / (time.perf_counter() - started)
    return rate, CreditEntry.objects.count()


if __name__ == "__main__":
    main()
