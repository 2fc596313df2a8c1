"""Platform push throughput through the real HTTP endpoint.

Starts the portal (runserver, no autoreload, DEBUG off) on a fresh PostgreSQL
database, pushes BENCH_RECORDS records (default 100,000) for existing people in
signed batches of 1,000, then pushes the same records again (new signatures: a
platform retrying), and checks that the second pass credited nothing.

    .venv/bin/python bench/ingest.py
    BENCH_RECORDS=20000 .venv/bin/python bench/ingest.py   # a quicker run

The last line reads `ingest/s=<first pass> replay/s=<second pass>`.
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
    from learning.ingest import sign

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
    from portal.models import User
    from tests.factories import id_number_for

    people = User.objects.bulk_create(
        User(id_number=id_number_for(i), real_name=f"压测{i}", password="!") for i in range(PEOPLE)
    )
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

    print(f"records: {RECORDS} in batches of {BATCH}, {PEOPLE} people")
    print(f"first pass:  {first:8,.0f} records/s, ledger entries {after_first}")
    replayed = after_second - after_first
    print(f"replay pass: {second:8,.0f} records/s, credited by the replay {replayed}")
    print("targets: first >= 5,000 records/s, replay no slower, replay credits 0")
    print(f"ingest/s={first:.0f} replay/s={second:.0f}")


if __name__ == "__main__":
    main()
