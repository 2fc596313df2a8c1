"""Failed attempts per client address, counted in the cache for a window: the one
mechanism behind every "too many attempts" answer (certificate verification,
registrations).

Only failures count, so that honest users sharing an address (an HR office behind
one NAT) are not locked out by their own correct answers; and the count is atomic,
so that a burst of requests at the same moment cannot all slip under the limit.
Every caller does the same three steps:

    if not throttle.attempt(SCOPE, request, limit=..., window_seconds=...):
        ...refuse (429 or a message)...
    ...do the work...
    if it succeeded:
        throttle.forgive(SCOPE, request)

`attempt` counts the request as a failure before the work is done (one atomic
increment: of N requests in flight at once, only `limit` get through), `forgive`
takes the count back once it turned out a success.
"""

import contextlib

from django.core.cache import cache

from portal.http import client_address


def _key(scope: str, request) -> str:
    return f"throttle:{scope}:{client_address(request)}"


def _decrement(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window expired: nothing to take back
        cache.decr(key)


def attempt(scope: str, request, *, limit: int, window_seconds: int) -> bool:
    """Count this request as a failed attempt before it is handled; False (and
    nothing counted) when the client has failed `limit` times within the window, the
    first of which opened it (`window_seconds` long)."""
    key = _key(scope, request)
    if cache.add(key, 1, window_seconds):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(key, 0, window_seconds)
            count = cache.incr(key)
    if count > limit:
        _decrement(key)
        return False
    return True


def forgive(scope: str, request) -> None:
    """Take back the attempt counted by `attempt`: it succeeded."""
    _decrement(_key(scope, request))


def failures(scope: str, request) -> int:
    """Failures counted for this client within the current window."""
    return cache.get(_key(scope, request)) or 0
