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


# Parts an app adds to /healthz (name → a function returning a JSON-able dict that
# never raises), registered in the app's AppConfig.ready: portal imports no app.
PARTS: dict = {}


def register(name: str, check) -> None:
    """Add `check()` to /healthz's body under `name` (e.g. learning's "study_clock")."""
    PARTS[name] = check


def parts_status() -> dict:
    """{name: check()} for every registered part, in registration order."""
    return {name: check() for name, check in PARTS.items()}
