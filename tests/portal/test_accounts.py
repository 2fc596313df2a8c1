"""Unit HR disables and re-enables the accounts of its unit and adds HR administrators."""

import pytest
from django.urls import reverse

from portal.accounts import AccountError, account_set_active
from portal.actions import Refused
from portal.models import AuditLog, Membership, Role
from portal.registration import RegistrationError
from portal.transfers import TransferError
from tests.factories import make_member


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


@pytest.mark.django_db
def test_unit_hr_cannot_disable_a_staff_member_who_is_also_city_hr(client, hr_a, alice, jinan):
    # Alice works at unit A and is also an officer of Jinan's HR bureau: one login for
    # both, so unit A may not switch it off.
    make_member(Role.CITY_HR, alice, city=jinan)
    client.force_login(hr_a)
    page = client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).content.decode()
    assert "停用账号" not in page
    assert "只有省人社厅" in page

    response = act(client, alice, "disable")
    alice.refresh_from_db()
    assert alice.is_active
    shown = client.get(response.url).content.decode()
    assert "此人还在本单位以外担任职务" in shown
    assert not AuditLog.objects.filter(action="portal.account.disabled").exists()
    client.logout()
    login = {"username": alice.id_number, "password": "Secret-pass-2025"}
    assert client.post(reverse("portal:login"), login).status_code == 302


@pytest.mark.django_db
def test_unit_hr_cannot_enable_an_account_with_roles_elsewhere(client, hr_a, alice, unit_b):
    make_member(Role.UNIT_HR, alice, unit=unit_b)
    alice.is_active = False
    alice.save()
    client.force_login(hr_a)
    act(client, alice, "enable")
    alice.refresh_from_db()
    assert not alice.is_active


@pytest.mark.django_db
def test_a_second_hr_of_the_same_unit_is_still_the_units_to_disable(client, hr_a, alice, unit_a):
    make_member(Role.UNIT_HR, alice, unit=unit_a)
    client.force_login(hr_a)
    act(client, alice, "disable")
    alice.refresh_from_db()
    assert not alice.is_active


def test_every_account_refusal_is_a_refusal_the_user_may_read():
    for error in (AccountError, RegistrationError, TransferError):
        assert issubclass(error, Refused), error


@pytest.mark.django_db(transaction=True)
def test_a_disabled_account_without_its_audit_entry_stays_enabled(hr_a, alice, audit_down):
    with pytest.raises(audit_down):
        account_set_active(actor=Membership.objects.get(user=hr_a), person=alice, active=False)
    alice.refresh_from_db()
    assert alice.is_active
    assert not AuditLog.objects.exists()
