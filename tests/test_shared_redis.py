"""Parallel test workers (and staging beside production) share one Redis: nothing may
empty it whole. A FLUSHDB in one worker's test wiped another worker's study clock
mid-test (tests/learning/test_study_clock.py failed with three workers); each module
forgets only its own keys under portal.keyspace.namespace()."""

import ast
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from portal import auth_cache
from tests.project import PROJECT_APPS

ROOT = Path(settings.BASE_DIR)
WHOLE_REDIS = {"flushdb", "flushall"}


def _empties_a_whole_redis(node: ast.AST) -> bool:
    """`<x>.flushdb()`, `<x>.flushall()` or `cache.clear()` (Django's Redis cache
    clears with FLUSHDB)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr in WHOLE_REDIS:
        return True
    target = node.func.value
    return node.func.attr == "clear" and isinstance(target, ast.Name) and target.id == "cache"


def test_no_code_and_no_test_empties_the_shared_redis():
    found = []
    for folder in (*PROJECT_APPS, "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if _empties_a_whole_redis(node)
            ]
    assert found == []


def test_the_scan_knows_cache_clear():
    assert _empties_a_whole_redis(ast.parse("cache.clear()").body[0].value)
    assert not _empties_a_whole_redis(ast.parse("rows.clear()").body[0].value)


@pytest.mark.django_db
def test_forgetting_the_login_snapshots_leaves_every_other_key(hr_a):
    r = redis.Redis.from_url(settings.REDIS_URL)
    other_run = cache.make_key("auth:0123456789ab:1")  # another test database's snapshot
    r.set(other_run, b"kept", ex=60)
    cache.set("some-other-key", "kept", 60)
    auth_cache.put(hr_a.pk, hr_a, [])
    try:
        assert auth_cache.forget_all() >= 1
        assert auth_cache.get(hr_a.pk) is None
        assert r.get(other_run) == b"kept"
        assert cache.get("some-other-key") == "kept"
    finally:
        r.delete(other_run)
        cache.delete("some-other-key")
        r.close()
