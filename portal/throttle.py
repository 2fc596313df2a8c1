"""Attempts per client address, counted in the cache for a window: the one
mechanism behind every "too many attempts" answer (certificate verification,
failed registrations)."""

from django.core.cache import cache

from portal.http import client_address


def _key(scope: str, request) -> str:
    return f"throttle:{scope}:{client_address(request)}"


def attempts(scope: str, request) -> int:
    return cache.get(_key(scope, request)) or 0


def hit(scope: str, request, window_seconds: int) -> int:
    """Count one attempt; return the count within the window so far."""
    key = _key(scope, request)
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        return 1
