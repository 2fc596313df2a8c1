"""Failed attempts per client address, counted in the cache for an hour: the
registration forms answer whether an ID number is taken, so a client that keeps
failing is made to wait."""

from django.core.cache import cache

from portal.http import client_address

WINDOW_SECONDS = 3600


def _key(scope: str, request) -> str:
    return f"throttle:{scope}:{client_address(request)}"


def blocked(scope: str, request, limit: int) -> bool:
    return (cache.get(_key(scope, request)) or 0) >= limit


def record_failure(scope: str, request) -> None:
    key = _key(scope, request)
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)
