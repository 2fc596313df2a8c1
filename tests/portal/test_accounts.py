"""Unit HR disables and re-enables the accounts of its unit and adds HR administrators."""

import pytest
from django.urls import reverse

from portal.models import AuditLog, Membership, Role


def act(client, person, action):
    return client.post(
        reverse("portal:account_action", kwargs={"pk": person.pk}), {"action": action}
    )


@pytest.mark.django_db
def test_unit_hr_disables_and_enables_an_account_of_its_unit(client, hr_a, alice, bob):
    client.force_login(hr_a)
    assert act(client, bob, "disable").status_code == 404
    act(client, alice, "disable")
    alice.refresh_from_db()
    assert not alice.is_active
    client.logout()
    login = {"username": alice.id_number, "password": "Secret-pass-2025"}
    assert client.post(reverse("portal:login"), login).status_code == 200  # no redirect in

    client.force_login(hr_a)
    page = client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).content.decode()
    assert "启用账号" in page
    act(client, alice, "make_hr")
    assert not Membership.objects.filter(user=alice, role=Role.UNIT_HR).exists()
    act(client, alice, "enable")
    alice.refresh_from_db()
    assert alice.is_active
    assert list(AuditLog.objects.values_list("action", flat=True).order_by("pk")) == [
        "portal.account.disabled",
        "portal.account.enabled",
    ]


@pytest.mark.django_db
def test_unit_hr_adds_a_second_hr_administrator(client, hr_a, alice, unit_a):
    client.force_login(hr_a)
    act(client, alice, "make_hr")
    act(client, alice, "make_hr")
    assert Membership.objects.filter(user=alice, role=Role.UNIT_HR, unit=unit_a).count() == 1
    assert AuditLog.objects.filter(action="portal.unit_hr.added").count() == 1


@pytest.mark.django_db
def test_a_professional_cannot_manage_accounts(client, alice, unit_a):
    client.force_login(alice)
    assert act(client, alice, "disable").status_code == 403
    alice.refresh_from_db()
    assert alice.is_active
