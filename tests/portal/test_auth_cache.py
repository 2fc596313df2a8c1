"""The login snapshot in Redis (portal.auth_cache): a page of a logged-in user asks
PostgreSQL nothing for her user and roles, and whatever ends a role or an account
still ends it at the next request."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import auth_cache
from portal.models import Membership, Role
from tests.factories import make_member
from tests.project import PROJECT_APPS

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    auth_cache.forget_all()  # never cache.clear(): other workers' keys share the Redis


def _user_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries if '"portal_membership"' in q["sql"]]


def test_a_second_page_reads_user_and_roles_from_the_snapshot(client, hr_a):
    client.force_login(hr_a)
    home = reverse("portal:role_home", args=[Role.UNIT_HR])
    assert len(_user_queries(client, home)) == 1
    assert _user_queries(client, home) == []


def test_a_role_taken_away_ends_at_the_next_request(client, hr_a):
    client.force_login(hr_a)
    home = reverse("portal:role_home", args=[Role.UNIT_HR])
    assert client.get(home).status_code == 200
    Membership.objects.filter(user=hr_a, role=Role.UNIT_HR).get().delete()
    assert client.get(home).status_code in (403, 404)


def test_a_role_given_shows_at_the_next_request(client, alice, health):
    client.force_login(alice)
    client.get(reverse("portal:home"))
    make_member(Role.DEPARTMENT_ADMIN, alice, authority=health)
    page = client.get(reverse("portal:role_home", args=[Role.PROFESSIONAL])).content.decode()
    assert health.name in page


def test_a_disabled_account_is_logged_out_at_the_next_request(client, hr_a):
    client.force_login(hr_a)
    home = reverse("portal:role_home", args=[Role.UNIT_HR])
    assert client.get(home).status_code == 200
    hr_a.is_active = False
    hr_a.save(update_fields=["is_active"])
    response = client.get(home)
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_a_changed_password_ends_the_other_sessions(client, hr_a):
    client.force_login(hr_a)
    home = reverse("portal:role_home", args=[Role.UNIT_HR])
    assert client.get(home).status_code == 200
    hr_a.set_password("a-new-long-passphrase-2026")
    hr_a.save()
    assert client.get(home).status_code == 302


def test_a_renamed_unit_shows_at_the_next_request(client, hr_a, unit_a):
    client.force_login(hr_a)
    home = reverse("portal:role_home", args=[Role.UNIT_HR])
    assert unit_a.name in client.get(home).content.decode()
    unit_a.name = "济南测试医院（新院区）"
    unit_a.save()
    assert "济南测试医院（新院区）" in client.get(home).content.decode()


def test_a_city_renamed_reaches_the_snapshots_of_its_units_hr(hr_a, unit_a):
    auth_cache.put(hr_a.pk, hr_a, [])
    unit_a.city.name = "济南市（更名）"
    unit_a.city.save()
    assert auth_cache.get(hr_a.pk) is None


# QuerySet.update() sends no signal: nothing in the project may change what a
# snapshot holds that way (portal.auth_cache docstring).
HELD = {"User", "Membership", *auth_cache.HELD_THROUGH}


def bulk_writes(source: str) -> list[str]:
    """`Model.objects….update(…)` / `.bulk_update(…)` calls on a held model."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "bulk_update")
        ):
            continue
        receiver = node.func.value
        while isinstance(receiver, ast.Call | ast.Attribute):
            if isinstance(receiver, ast.Attribute) and receiver.attr == "objects":
                if isinstance(receiver.value, ast.Name) and receiver.value.id in HELD:
                    found.append(ast.unparse(node)[:80])
                break
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
    return found


def test_no_code_changes_a_snapshot_s_rows_without_a_signal():
    found = []
    for app in PROJECT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found += [
                    f"{path.relative_to(ROOT)}: {call}" for call in bulk_writes(path.read_text())
                ]
    assert found == []


def test_the_scan_finds_a_bulk_update():
    assert bulk_writes("User.objects.filter(pk=1).update(is_active=False)")
    assert bulk_writes('Membership.objects.filter(\n    user=u\n).update(role="x")')
    assert not bulk_writes("Course.objects.filter(pk=1).update(title='x')")
    assert not bulk_writes("User.objects.get(pk=1)\nCode.objects.filter(user=u).update(x=1)")


def test_another_deployment_s_snapshot_is_never_read(hr_a, alice, settings):
    # Parallel test databases share one Redis and their ids overlap.
    settings.DEPLOYMENT_ID = "other-database"
    auth_cache.put(hr_a.pk, alice, [])
    settings.DEPLOYMENT_ID = ""
    assert auth_cache.get(hr_a.pk) is None
