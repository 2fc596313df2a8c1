import redis
from django.conf import settings


def redis_status() -> str:
    """ "ok", "not configured" (embedded mode) or "error: <kind>"."""
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"
