import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from portal.celery import app
from portal.tasks import ping

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis as the broker (make test sets REDIS_URL)"
)


def test_a_real_worker_takes_tasks_from_redis():
    assert not app.conf.task_always_eager
    token = uuid.uuid4().hex
    queue = f"test-ping-{token[:8]}"  # its own queue: other tests run workers too
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
    ):
        ping.apply_async(args=[token], queue=queue)
        deadline = time.monotonic() + 20
        while cache.get(f"portal:ping:{token}") is None and time.monotonic() < deadline:
            time.sleep(0.1)
    assert cache.get(f"portal:ping:{token}") == "pong"
