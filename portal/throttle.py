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

When the cache (Redis) cannot be reached the throttles fail closed, deliberately:
`attempt` raises portal.errors.ServiceUnavailable, which the outage handling answers
with a 503 "服务暂时不可用，请稍后再试" and `Retry-After`. The throttled actions
(verifying a certificate by serial and name, registering) are what a guesser would
use while the limit is gone, and they can wait for Redis; a per-process fallback
would multiply the limit by the number of worker processes and forget it on every
restart. `forgive` after a success just logs: the work is done, the count expires.
"""

import contextlib
import hashlib
import logging

from django.core.cache import cache

from portal.errors import REDIS_ERRORS, ServiceUnavailable
from portal.http import client_address

logger = logging.getLogger("portal.outage")


@contextlib.contextmanager
def _store():
    """Turn the cache's connection errors into ServiceUnavailable (fail closed)."""
    try:
        yield
    except REDIS_ERRORS as error:
        raise ServiceUnavailable("redis", f"throttle store: {error}") from error


def _key(scope: str, request, per: str | None = None) -> str:
    if per is not None:  # counted per a value (an ID number), hashed: no numbers in Redis
        return f"throttle:{scope}:per:{hashlib.sha256(per.encode()).hexdigest()}"
    # Requests without a valid address (a misconfigured proxy) share one count.
    return f"throttle:{scope}:{client_address(request) or 'unknown'}"


def _decrement(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window expired: nothing to take back
        cache.decr(key)


def attempt(
    scope: str, request, *, limit: int, window_seconds: int, per: str | None = None
) -> bool:
    """Count this request as a failed attempt before it is handled; False (and
    nothing counted) when the client has failed `limit` times within the window, the
    first of which opened it (`window_seconds` long). With `per` the count is kept for
    that value (e.g. the ID number a registration names), whatever the address."""
    key = _key(scope, request, per)
    with _store():
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


def forgive(scope: str, request, *, per: str | None = None) -> None:
    """Take back the attempt counted by `attempt`: it succeeded. If the store went
    away meanwhile the count stays (it expires with its window)."""
    try:
        _decrement(_key(scope, request, per))
    except REDIS_ERRORS as error:
        logger.warning("outage: redis unavailable, throttle %s not forgiven (%s)", scope, error)


def failures(scope: str, request) -> int:
    """Failures counted for this client within the current window."""
    with _store():
        return cache.get(_key(scope, request)) or 0
