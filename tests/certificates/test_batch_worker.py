"""Batches on real Celery workers (subprocesses) against real Redis and PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from certificates.batches import batch_create
from certificates.models import Certificate, IssuanceBatch
from portal.celery import app
from portal.models import JobStatus
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import UnitFactory, UserFactory, make_professional

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (make test sets REDIS_URL)"),
]


@pytest.fixture
def worker_env(settings, tmp_path):
    """Environment for worker processes: this test's database, files and own queue."""
    queue = f"test-certificates-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
    }
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # what this process sends goes there too
    yield env, tmp_path
    app.conf.task_default_queue = previous
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue)
    for tag, payload in client.hgetall("unacked").items():  # the killed worker's
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def start_worker(env, log_path):
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            "-Q",
            env["CELERY_QUEUE"],
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, timeout, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; worker log:\n{Path(log_path).read_text()[-3000:]}")


def refreshed(batch):
    return IssuanceBatch.objects.get(pk=batch.pk)


def test_batch_killed_mid_way_completes_after_restart_without_duplicates(worker_env):
    env, tmp_path = worker_env
    log = tmp_path / "worker.log"
    unit = UnitFactory()
    people = [make_compliant(make_professional(unit)) for _ in range(40)]
    hr = UserFactory()

    first = start_worker(env, log)
    try:
        batch = batch_create(year=YEAR, requested_by=hr, unit=unit)
        wait_for(lambda: refreshed(batch).done >= 5, 90, log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert refreshed(batch).status != JobStatus.DONE
    assert Certificate.objects.count() < 40

    second = start_worker(env, log)  # resumes unfinished batches when ready
    try:
        wait_for(lambda: refreshed(batch).status == JobStatus.DONE, 120, log)
    finally:
        second.terminate()
        second.wait(timeout=20)

    batch = refreshed(batch)
    assert (batch.total, batch.done, batch.failed) == (40, 40, 0)
    certificates = Certificate.objects.filter(year=YEAR)
    assert sorted(c.person_id for c in certificates) == sorted(p.pk for p in people)
    assert sorted(c.serial for c in certificates) == [f"SD{YEAR}{n:06d}" for n in range(1, 41)]
    folder = settings.PRIVATE_MEDIA_ROOT / "certificates" / str(YEAR)
    # One file per certificate, the one it records: a file the killed worker wrote but
    # never recorded is gone (the resumed run may record its own under another name).
    recorded = sorted(Path(c.pdf.name).name for c in certificates)
    assert sorted(p.name for p in folder.iterdir()) == recorded
    assert all(Path(c.pdf.name).name.startswith(c.serial) for c in certificates)
    assert all(c.pdf_sha256 for c in certificates)


def test_batch_run_twice_on_a_worker_issues_nothing_new(worker_env):
    env, tmp_path = worker_env
    log = tmp_path / "worker.log"
    unit = UnitFactory()
    for _ in range(5):
        make_compliant(make_professional(unit))
    hr = UserFactory()
    worker = start_worker(env, log)
    try:
        first = batch_create(year=YEAR, requested_by=hr, unit=unit)
        wait_for(lambda: refreshed(first).status == JobStatus.DONE, 90, log)
        second = batch_create(year=YEAR, requested_by=hr, unit=unit)
        wait_for(lambda: refreshed(second).status == JobStatus.DONE, 60, log)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert (refreshed(second).total, refreshed(second).skipped) == (0, 5)
    assert Certificate.objects.count() == 5
