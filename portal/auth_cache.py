"""The logged-in user with her memberships, kept in Redis between requests.

Every page of a logged-in user needs the user and her roles: one query of some sixty
columns over six tables, about half the cost of a small page (issue "The December
rush"). With Redis (REDIS_URL: the cache every process shares) the login backend
reads them from here and queries PostgreSQL only on a miss.

A role taken away, an account disabled or a password changed must still end at the
next request, so every save or delete of what the snapshot holds (the user, her
memberships and the organisations they name) deletes the user's snapshot at once
and again when its transaction commits (a request in between may have stored what
it read before the commit). Saves through `QuerySet.update()` send no signal: none
of the project's touches what the snapshot holds (tests/portal/test_auth_cache.py
walks them); the snapshot lives at most TTL seconds anyway, which also bounds what a
Redis outage may leave behind (a delete that failed while Redis was down). Without
Redis (the embedded mode: a cache per process) nothing is kept.
"""

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from portal.errors import REDIS_ERRORS, log_outage
from portal.keyspace import namespace

TTL = 120  # seconds a snapshot is trusted at most


def _key(user_id) -> str:
    # The deployment's namespace: parallel test databases and staging may share one
    # Redis, and their ids overlap. (A snapshot of another database's user with the
    # same id would still fail Django's check of the session's password hash.)
    return f"auth:{namespace()}:{user_id}"


def enabled() -> bool:
    """Whether snapshots are kept: only in a cache all processes share (Redis)."""
    return bool(settings.REDIS_URL)


def get(user_id):
    """(user, memberships) as stored for `user_id`, or None (a miss, Redis down)."""
    if not enabled():
        return None
    try:
        return cache.get(_key(user_id))
    except REDIS_ERRORS as error:
        log_outage("redis", error, "reading a login snapshot")
        return None


def put(user_id, user, memberships) -> None:
    """Keep (user, memberships) for TTL seconds; a Redis error only logs."""
    if not enabled():
        return
    try:
        cache.set(_key(user_id), (user, memberships), TTL)
    except REDIS_ERRORS as error:
        log_outage("redis", error, "storing a login snapshot")


def forget(user_ids) -> None:
    """Delete the snapshots of `user_ids` now and when the transaction commits."""
    keys = [_key(pk) for pk in set(user_ids)]
    if not keys or not enabled():
        return

    def delete():
        try:
            cache.delete_many(keys)
        except REDIS_ERRORS as error:
            log_outage("redis", error, "forgetting login snapshots")

    delete()
    transaction.on_commit(delete)


def forget_all() -> int:
    """Delete every snapshot of this database's users and no other key (tests: a test
    database numbers its users from 1 again, and parallel test runs share one Redis,
    so FLUSHDB would wipe another run's study clock mid-test). Returns how many were
    deleted; 0 without Redis."""
    if not enabled():
        return 0
    r = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(r.scan_iter(match=cache.make_key(_key("*")), count=1000))
        return r.delete(*keys) if keys else 0
    finally:
        r.close()


# The organisations a snapshot holds, by the Membership lookups that reach them
# (portal.roles.SCOPE_RELATIONS).
HELD_THROUGH = {
    "Unit": ("unit",),
    "City": ("city", "unit__city"),
    "Authority": ("authority",),
    "TrainingInstitution": ("institution",),
    "Base": ("base",),
}


def forget_on_change(sender, instance, **kwargs) -> None:
    """post_save / post_delete receiver: forget the snapshots that hold `instance`
    (a user, a membership, or an organisation a membership names: HELD_THROUGH)."""
    from portal.models import Membership, User

    if isinstance(instance, User):
        forget([instance.pk])
    elif isinstance(instance, Membership):
        forget([instance.user_id])
    else:
        held = Q()
        for lookup in HELD_THROUGH[sender.__name__]:
            held |= Q(**{lookup: instance.pk})
        forget(Membership.objects.filter(held).values_list("user_id", flat=True))
