"""Names, ID-card numbers and phones as people type them (full width, spaces,
middle-dot look-alikes) are stored, found and logged in with in their normal form."""

import re

import pytest
from django.urls import reverse

from portal.models import AuditLog, User
from tests.conftest import PASSWORD
from tests.factories import make_professional
from tests.portal.test_password_reset import ask, confirm
from tests.portal.test_registration import NEW_ID, register

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def login(client, username, password=PASSWORD):
    return client.post(reverse("portal:login"), {"username": username, "password": password})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
class TestRegistration:
    def test_full_width_id_phone_and_a_bullet_in_the_name_are_stored_normalised(
        self, client, unit_a
    ):
        response = register(
            client,
            unit_a,
            id_number=full_width(NEW_ID),
            real_name="阿依古丽•吐尔逊",
            phone="１３９－０００９－００１１",
        )
        assert response.status_code == 302
        person = User.objects.values("id_number", "real_name", "phone").get()
        assert person == {
            "id_number": NEW_ID,
            "real_name": "阿依古丽·吐尔逊",
            "phone": "13900090011",
        }

    def test_an_id_number_typed_in_groups_with_spaces_is_accepted(self, client, unit_a):
        spaced = f"{NEW_ID[:6]} {NEW_ID[6:14]} {NEW_ID[14:]}"
        assert register(client, unit_a, id_number=spaced).status_code == 302
        assert User.objects.get().id_number == NEW_ID

    def test_the_full_width_form_of_a_registered_number_is_taken_already(
        self, client, unit_a, alice
    ):
        page = register(client, unit_a, id_number=full_width(alice.id_number)).content.decode()
        assert "忘记密码" in page
        assert User.objects.count() == 1

    def test_the_full_width_form_of_a_taken_phone_is_taken(self, client, unit_a, alice):
        """Taken, so left off the new account (without a word: see
        test_registration_secrecy.py), and her account keeps it."""
        assert register(client, unit_a, phone=full_width(alice.phone)).status_code == 302
        assert User.objects.get(id_number=NEW_ID).phone is None
        assert User.objects.get(phone=alice.phone) == alice

    def test_a_unit_registers_its_administrator_with_a_normalised_name(self, client, jinan):
        from tests.portal.test_registration import unit_registration

        data = unit_registration(
            jinan, id_number=full_width(NEW_ID), real_name="李　华", phone="+86 139 0009 0012"
        )
        assert client.post(reverse("portal:register_unit"), data).status_code == 302
        hr = User.objects.get(id_number=NEW_ID)
        assert (hr.real_name, hr.phone) == ("李华", "13900090012")


@pytest.mark.django_db
class TestLogin:
    def test_a_full_width_id_number_with_the_right_password_logs_in(self, client, alice):
        login(client, full_width(alice.id_number))
        assert logged_in_user_id(client) == str(alice.pk)

    @pytest.mark.parametrize(
        "written",
        [
            lambda p: full_width(p),
            lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}",
            lambda p: f"+86 {p[:3]} {p[3:7]} {p[7:]}",
            lambda p: full_width(f"{p[:3]}－{p[3:7]}－{p[7:]}"),
        ],
        ids=["full-width", "hyphens", "country-code", "full-width-hyphens"],
    )
    def test_a_phone_as_people_write_it_with_the_right_password_logs_in(
        self, client, alice, written
    ):
        login(client, written(alice.phone))
        assert logged_in_user_id(client) == str(alice.pk)

    def test_a_full_width_login_with_a_wrong_password_is_refused(self, client, alice):
        response = login(client, full_width(alice.phone), "wrong-password")
        assert "身份证号（或手机号）与密码不匹配" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_failures_however_the_login_is_written_lock_the_one_account(self, client, alice):
        spellings = [
            alice.id_number,
            full_width(alice.id_number),
            alice.phone,
            full_width(alice.phone),
            f"{alice.phone[:3]}-{alice.phone[3:7]}-{alice.phone[7:]}",
        ]
        for attempt in range(10):
            login(client, spellings[attempt % len(spellings)], "wrong-password")
        response = login(client, full_width(alice.id_number))
        assert response.status_code == 429
        assert logged_in_user_id(client) is None


@pytest.mark.django_db
class TestAccountForms:
    def test_my_account_stores_a_full_width_phone_as_digits(self, client, alice):
        client.force_login(alice)
        client.post(
            reverse("portal:my_account"), {"phone": "１３９ ０００１ ２３４５", "email": ""}
        )
        alice.refresh_from_db()
        assert alice.phone == "13900012345"

    def test_hr_correction_stores_the_normal_form_and_a_respelling_changes_nothing(
        self, client, hr_a, unit_a
    ):
        person = make_professional(unit_a, real_name="阿依古丽·吐尔逊")
        url = reverse("portal:person_correction", kwargs={"pk": person.pk})
        data = {"title_series": "", "title_level": "", "title_obtained_on": "", "reason": "更正"}
        client.force_login(hr_a)
        person.profile.title_series = person.profile.title_level = ""
        person.profile.title_obtained_on = None
        person.profile.save()
        page = client.get(
            client.post(url, {**data, "real_name": "阿依古丽・吐尔逊"}).url
        ).content.decode()
        assert "没有任何改动" in page
        assert not AuditLog.objects.filter(action="portal.person.corrected").exists()
        client.post(url, {**data, "real_name": "阿依古丽 • 买买提"})
        person.refresh_from_db()
        assert person.real_name == "阿依古丽·买买提"

    def test_password_reset_with_a_full_width_id_number_and_phone(
        self, client, alice, capsys, eager_celery
    ):
        ask(client, full_width(alice.id_number), full_width(alice.phone))
        code = re.search(r"验证码为(\d{6})", capsys.readouterr().out).group(1)
        page = confirm(client, full_width(alice.id_number), code).content.decode()
        assert "密码已重置" in page
        assert login(client, alice.phone, "Brand-new-pass-2026").status_code == 302

    def test_people_search_finds_a_name_typed_with_a_space(self, client, hr_a, unit_a):
        person = make_professional(unit_a, real_name="李华")
        client.force_login(hr_a)
        page = client.get(reverse("portal:unit_people"), {"q": "李　华"}).content.decode()
        assert person.masked_id_number in page or person.id_number in page
        page = client.get(
            reverse("portal:unit_people"), {"q": full_width(person.id_number[:10])}
        ).content.decode()
        assert "李华" in page
