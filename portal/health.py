import functools

import redis
from django.conf import settings

# Seconds to connect to Redis and for it to answer a PING.
REDIS_TIMEOUT = 2


@functools.cache
def _client(url: str) -> redis.Redis:
    # One client (and connection pool) per process and URL, made on first use, so that
    # /healthz does not open a connection per request. redis-py's pool notices a fork
    # (its pid check) and never shares a socket between gunicorn workers.
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def redis_status() -> str:
    """ "ok", "not configured" (embedded mode) or "error: <kind>". A PING over the
    process's pooled connection (REDIS_TIMEOUT seconds at most)."""
    if not settings.REDIS_URL:
        return "not configured"
    try:
        _client(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def study_clock_status() -> dict:
    """The Redis study clock's flush (learning.study_clock.health), for /healthz:
    {"status": "ok" | "degraded" | "not configured" | "error: <kind>", and with "ok"
    or "degraded" also "unflushed": lessons awaiting a flush, "last_flush_seconds":
    seconds since the last flush ended (null: none recorded and none due)}.
    "degraded": no flush for FLUSH_LATE_INTERVALS × STUDY_FLUSH_SECONDS — the beat or
    the worker consuming CELERY_CLOCK_QUEUE is not running; studied time piles up in
    Redis only. Never raises."""
    from learning import study_clock

    if not study_clock.enabled():
        return {"status": "not configured"}
    try:
        health = study_clock.health()
    except redis.RedisError as exc:
        return {"status": f"error: {exc.__class__.__name__}"}
    age = health.last_flush_seconds
    return {
        "status": "degraded" if health.late else "ok",
        "unflushed": health.unflushed,
        "last_flush_seconds": round(age, 1) if age is not None else None,
    }
