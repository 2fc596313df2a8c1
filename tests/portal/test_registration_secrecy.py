"""Registering does not tell who is registered: a taken phone is never told, and a
taken ID number is told (pointing to the password reset) only so often per client
address and per number."""

import datetime
import random
import uuid

import pytest
from django.urls import reverse

from portal.models import ReviewStatus, User
from tests.factories import credit_code_for, id_number_for, make_professional
from tests.portal.test_registration import register, registration, unit_registration


def fresh_id_number() -> str:
    """A number no earlier run used: the throttle's counts outlive a test in Redis."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=random.randrange(15000))
    return id_number_for(random.randrange(1000), birth=birth)


def fresh_address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.mark.django_db
def test_a_taken_phone_is_not_told_and_stays_with_its_account(client, unit_a, alice):
    number = fresh_id_number()
    response = register(client, unit_a, id_number=number, phone=alice.phone)
    assert response.status_code == 302  # registered, as with a phone nobody has
    page = client.get(response.url).content.decode()
    assert "手机号" not in page or "已被其他账号使用" not in page
    person = User.objects.get(id_number=number)
    assert person.phone is None and person.profile.status == ReviewStatus.PENDING
    alice.refresh_from_db()
    assert User.objects.get(phone=alice.phone) == alice


@pytest.mark.django_db
def test_the_form_with_a_taken_phone_reads_like_one_with_a_free_phone(client, unit_a, alice):
    """Posted with an error elsewhere, the two answers differ only in the phone."""
    number = fresh_id_number()
    taken = register(client, unit_a, id_number=number, phone=alice.phone, password2="x")
    free = register(client, unit_a, id_number=number, phone="13900009999", password2="x")
    taken_page = taken.content.decode().replace(alice.phone, "…")
    free_page = free.content.decode().replace("13900009999", "…")
    strip = lambda html: html.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert "已被其他账号使用" not in taken_page
    assert strip(taken_page) == strip(free_page)


@pytest.mark.django_db
def test_a_unit_registration_with_a_taken_phone_is_not_told(client, jinan, alice):
    number = fresh_id_number()
    data = unit_registration(
        jinan, id_number=number, phone=alice.phone, credit_code=credit_code_for(7100)
    )
    response = client.post(reverse("portal:register_unit"), data)
    assert response.status_code == 302
    assert User.objects.get(id_number=number).phone is None


@pytest.mark.django_db
def test_a_taken_id_number_is_told_only_so_often_per_number(client, settings, unit_a):
    """Three clients at three addresses ask about one person's number: the third is
    made to wait and learns nothing; a number of its own still registers."""
    settings.REGISTRATION_FAILURES_PER_ID_NUMBER = 2
    taken = make_professional(unit_a, id_number=fresh_id_number())
    for _client in range(2):
        client.defaults["REMOTE_ADDR"] = fresh_address()
        page = register(client, unit_a, id_number=taken.id_number).content.decode()
        assert "该身份证号已注册" in page and "忘记密码" in page
    client.defaults["REMOTE_ADDR"] = fresh_address()
    page = register(client, unit_a, id_number=taken.id_number.lower()).content.decode()
    assert "尝试次数过多" in page and "已注册" not in page
    own = fresh_id_number()
    assert register(client, unit_a, id_number=own, phone="13900009998").status_code == 302


@pytest.mark.django_db
def test_a_taken_id_number_is_told_only_so_often_per_address(client, settings, unit_a):
    settings.REGISTRATION_FAILURES_PER_HOUR = 2
    client.defaults["REMOTE_ADDR"] = fresh_address()
    for _number in range(2):
        taken = make_professional(unit_a, id_number=fresh_id_number())
        page = register(client, unit_a, id_number=taken.id_number).content.decode()
        assert "该身份证号已注册" in page
    taken = make_professional(unit_a, id_number=fresh_id_number())
    page = register(client, unit_a, id_number=taken.id_number).content.decode()
    assert "尝试次数过多" in page and "已注册" not in page


@pytest.mark.django_db
def test_a_number_failed_with_too_often_is_refused_even_in_a_good_form(client, settings, unit_a):
    settings.REGISTRATION_FAILURES_PER_ID_NUMBER = 1
    number = fresh_id_number()
    client.defaults["REMOTE_ADDR"] = fresh_address()
    register(client, unit_a, id_number=number, password2="x")  # one failure
    data = registration(unit_a, id_number=number, phone="13900009997")
    assert "尝试次数过多" in client.post(reverse("portal:register"), data).content.decode()
