"""Failed attempts per client address, counted in the cache for a window: the one
mechanism behind every "too many attempts" answer (certificate verification,
registrations).

Callers count failures only: ask `attempts()` before doing the work and `hit()`
after it failed, never for a success, so that honest users sharing an address
(an HR office behind one NAT) are not locked out by their own correct answers.
Requests checked at the same moment may all pass before any of them is counted,
so the limit can be overshot by at most the number of requests the server handles
at once; that is tolerable for a limit meant to make guessing slow.
"""

from django.core.cache import cache

from portal.http import client_address


def _key(scope: str, request) -> str:
    return f"throttle:{scope}:{client_address(request)}"


def attempts(scope: str, request) -> int:
    """Failures counted for this client within the current window."""
    return cache.get(_key(scope, request)) or 0


def hit(scope: str, request, window_seconds: int) -> int:
    """Count one failed attempt; return the count within the window so far."""
    key = _key(scope, request)
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        return 1
