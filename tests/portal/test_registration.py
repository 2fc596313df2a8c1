"""Professionals register themselves and their unit's HR approves them; units
register and the right HR bureau approves them."""

import datetime
import uuid

import pytest
from django.urls import reverse

from certificates.services import CertificateError, certificate_issue
from credits.models import Category, Source
from credits.services import LedgerError, credit_post
from portal.models import AuditLog, Membership, ReviewStatus, Role, Unit, User
from portal.registration import RegistrationError, person_register
from tests.factories import UnitFactory, UserFactory, credit_code_for, id_number_for

PASSWORD = "Qilu-Study-2026"
NEW_ID = id_number_for(901, birth=datetime.date(1990, 3, 8))


def registration(employer, **changes):
    data = {
        "id_number": NEW_ID,
        "real_name": "孔新",
        "phone": "13900009001",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "city": employer.city_id,
        "unit": employer.pk,
        "title_series": "health",
        "title_level": "intermediate",
        "title_obtained_on": "2021-09-01",
    }
    data.update(changes)
    return data


def register(client, employer, **changes):
    return client.post(reverse("portal:register"), registration(employer, **changes))


def pending_person(unit):
    return person_register(
        unit=unit,
        id_number=NEW_ID,
        password=PASSWORD,
        real_name="孔新",
        phone="13900009001",
        email="",
        title_series="health",
        title_level="intermediate",
        title_obtained_on=None,
    )


def decide(client, person, decision, reason=""):
    return client.post(
        reverse("portal:registration_review", kwargs={"pk": person.pk}),
        {"decision": decision, "reason": reason},
    )


@pytest.mark.django_db
def test_a_new_registration_is_pending_and_sees_only_who_must_approve_it(client, unit_a):
    response = register(client, unit_a)
    assert response.status_code == 302
    person = User.objects.get(id_number=NEW_ID)
    assert person.profile.status == ReviewStatus.PENDING
    assert not person.memberships.exists()

    page = client.get(reverse("portal:home"), follow=True).content.decode()
    assert "等待审核" in page
    assert unit_a.name in page  # who must approve it
    for name in ("credits:my_hours", "learning:my_courses", "certificates:mine"):
        assert client.get(reverse(name)).status_code == 403, name
    assert AuditLog.objects.filter(action="portal.registration.submitted").count() == 1


@pytest.mark.django_db
def test_the_pending_state_blocks_hours_and_certificates_until_approval(client, unit_a, hr_a):
    person = pending_person(unit_a)
    with pytest.raises(LedgerError):
        credit_post(
            person=person,
            year=2025,
            category=Category.PUBLIC,
            hours="3",
            source=Source.COURSE,
            source_ref="c-pending",
        )
    with pytest.raises(CertificateError, match="不是专业技术人员"):
        certificate_issue(person=person, year=2025, issued_by=hr_a, render=False)
    client.force_login(hr_a)
    staff = client.get(reverse("credits:staff_list")).content.decode()
    assert person.real_name not in staff
    assert client.get(reverse("credits:person_detail", kwargs={"pk": person.pk})).status_code == 404

    decide(client, person, "approve")
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.APPROVED
    assert Membership.objects.filter(user=person, role=Role.PROFESSIONAL).exists()
    _entry, created = credit_post(
        person=person,
        year=2025,
        category=Category.PUBLIC,
        hours="3",
        source=Source.COURSE,
        source_ref="c-approved",
    )
    assert created
    client.force_login(person)
    assert client.get(reverse("credits:my_hours")).status_code == 200


@pytest.mark.django_db
def test_one_account_per_id_number_points_to_password_reset(client, unit_a, alice):
    response = register(client, unit_a, id_number=alice.id_number.lower(), phone="13900009002")
    page = response.content.decode()
    assert response.status_code == 200
    assert "忘记密码" in page
    assert User.objects.filter(id_number=alice.id_number).count() == 1
    assert not User.objects.filter(phone="13900009002").exists()


@pytest.mark.django_db
def test_bad_registrations_are_refused_and_save_nothing(client, unit_a):
    bad_check = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    pending_unit = UnitFactory(city=unit_a.city, status=ReviewStatus.PENDING)
    cases = [
        ({"id_number": bad_check}, "校验位"),
        ({"unit": pending_unit.pk}, "选择一个有效的选项"),
        ({"password2": "something-else-9"}, "两次输入的密码不一致"),
        ({"phone": "2390000"}, "11位"),
    ]
    for changes, message in cases:
        page = register(client, unit_a, **changes).content.decode()
        assert message in page, changes
    assert not User.objects.filter(real_name="孔新").exists()


@pytest.mark.django_db
def test_hr_of_another_unit_can_neither_see_nor_decide(client, unit_a, hr_b):
    person = pending_person(unit_a)
    client.force_login(hr_b)
    assert person.real_name not in client.get(reverse("portal:unit_people")).content.decode()
    assert decide(client, person, "approve").status_code == 404
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.PENDING


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_the_person_may_correct_and_resubmit(client, unit_a, hr_a):
    person = pending_person(unit_a)
    client.force_login(hr_a)
    assert person.real_name in client.get(reverse("portal:unit_people")).content.decode()
    decide(client, person, "reject")
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.PENDING  # no reason: nothing decided
    decide(client, person, "reject", "姓名与身份证不符")
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.REJECTED

    client.force_login(person)
    page = client.get(reverse("portal:my_registration")).content.decode()
    assert "姓名与身份证不符" in page
    fix = registration(unit_a, real_name="孔欣")
    client.post(reverse("portal:my_registration"), fix)
    person.refresh_from_db()
    assert (person.real_name, person.profile.status) == ("孔欣", ReviewStatus.PENDING)

    client.force_login(hr_a)
    decide(client, person, "approve")
    # After approval the person cannot change her name herself any more.
    client.force_login(person)
    client.post(reverse("portal:my_registration"), registration(unit_a, real_name="改名"))
    person.refresh_from_db()
    assert person.real_name == "孔欣"
    assert list(
        AuditLog.objects.filter(action__startswith="portal.registration").values_list(
            "action", flat=True
        )
    ) == [
        "portal.registration.approved",
        "portal.registration.resubmitted",
        "portal.registration.rejected",
        "portal.registration.submitted",
    ]


@pytest.mark.django_db
def test_hr_corrects_a_name_or_title_and_the_correction_is_logged(client, hr_a, hr_b, alice):
    url = reverse("portal:person_correction", kwargs={"pk": alice.pk})
    data = {
        "real_name": "艾莉丝",
        "title_series": "health",
        "title_level": "deputy_senior",
        "title_obtained_on": "2020-07-01",
        "reason": "户籍更正",
    }
    client.force_login(hr_b)
    assert client.post(url, data).status_code == 404
    client.force_login(hr_a)
    page = client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).content.decode()
    assert 'data-testid="correction"' in page
    assert "原因" in client.get(client.post(url, {**data, "reason": ""}).url).content.decode()
    alice.refresh_from_db()
    assert alice.real_name == "艾丽丝"  # no reason, no change
    client.post(url, data)
    alice.refresh_from_db()
    assert (alice.real_name, alice.profile.title_level) == ("艾莉丝", "deputy_senior")
    log = AuditLog.objects.get(action="portal.person.corrected")
    assert log.actor == hr_a
    assert log.payload["old"] == {"real_name": "艾丽丝", "title_level": "intermediate"}
    assert log.payload["new"] == {"real_name": "艾莉丝", "title_level": "deputy_senior"}


@pytest.mark.django_db
def test_unit_options_follow_city_and_search_and_offer_only_approved_units(client, unit_a, unit_b):
    UnitFactory(name="济南待审单位", city=unit_a.city, status=ReviewStatus.PENDING)
    url = reverse("portal:unit_options")
    page = client.get(url, {"city": unit_a.city_id}).content.decode()
    assert unit_a.name in page and unit_b.name not in page and "待审" not in page
    page = client.get(url, {"city": unit_a.city_id, "unit_search": "不存在"}).content.decode()
    assert unit_a.name not in page


# -- unit registration -------------------------------------------------------------------


def unit_registration(city, **changes):
    data = {
        "unit_name": "济南新设医院",
        "credit_code": credit_code_for(7001),
        "unit_city": city.pk,
        "authority": "",
        "id_number": NEW_ID,
        "real_name": "单新",
        "phone": "13900009003",
        "email": "hr@example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def decide_unit(client, unit, decision, reason=""):
    return client.post(
        reverse("portal:unit_review", kwargs={"pk": unit.pk}),
        {"decision": decision, "reason": reason},
    )


@pytest.mark.django_db
def test_a_unit_is_approved_by_the_hr_bureau_of_its_city(
    client, jinan, jinan_hr, qingdao_hr, province_hr
):
    client.post(reverse("portal:register_unit"), unit_registration(jinan))
    unit = Unit.objects.get(name="济南新设医院")
    registrant = User.objects.get(id_number=NEW_ID)
    assert (unit.status, unit.registered_by) == (ReviewStatus.PENDING, registrant)
    page = client.get(reverse("portal:my_registration")).content.decode()
    assert "济南" in page and "人力资源" in page

    for other in (qingdao_hr, province_hr):
        client.force_login(other)
        assert unit.name not in client.get(reverse("portal:unit_registrations")).content.decode()
        assert decide_unit(client, unit, "approve").status_code == 404
    unit.refresh_from_db()
    assert unit.status == ReviewStatus.PENDING

    client.force_login(jinan_hr)
    assert unit.name in client.get(reverse("portal:unit_registrations")).content.decode()
    decide_unit(client, unit, "approve")
    unit.refresh_from_db()
    assert unit.status == ReviewStatus.APPROVED
    roles = set(registrant.memberships.values_list("role", "unit"))
    assert roles == {(Role.PROFESSIONAL, None), (Role.UNIT_HR, unit.pk)}
    assert AuditLog.objects.filter(action="portal.unit.approved", actor=jinan_hr).exists()


@pytest.mark.django_db
def test_province_direct_units_are_approved_by_provincial_hr(client, jinan, jinan_hr, province_hr):
    data = unit_registration(jinan, is_province_direct="on")
    client.post(reverse("portal:register_unit"), data)
    unit = Unit.objects.get(name="济南新设医院")
    client.force_login(jinan_hr)
    assert decide_unit(client, unit, "approve").status_code == 404
    client.force_login(province_hr)
    decide_unit(client, unit, "reject", "信用代码与名称不符")
    unit.refresh_from_db()
    assert (unit.status, unit.rejection_reason) == (ReviewStatus.REJECTED, "信用代码与名称不符")
    client.force_login(unit.registered_by)
    assert "信用代码与名称不符" in client.get(reverse("portal:my_registration")).content.decode()

    # The registrant corrects the details and submits again; the code stays hers.
    fixed = {**data, "unit_name": "山东省新设医院"}
    client.post(reverse("portal:my_registration"), fixed)
    unit.refresh_from_db()
    assert (unit.name, unit.status) == ("山东省新设医院", ReviewStatus.PENDING)
    client.force_login(province_hr)
    decide_unit(client, unit, "approve")
    unit.refresh_from_db()
    assert unit.status == ReviewStatus.APPROVED
    assert unit.registered_by.memberships.filter(role=Role.UNIT_HR, unit=unit).exists()


@pytest.mark.django_db
def test_bad_unit_registrations_are_refused_and_save_nothing(client, jinan, unit_a):
    code = credit_code_for(7002)
    bad_code = code[:-1] + ("0" if code[-1] != "0" else "1")
    cases = [
        ({"credit_code": unit_a.credit_code}, "已注册"),
        ({"credit_code": bad_code}, "校验"),
        ({"id_number": UserFactory().id_number}, "已有账号"),
    ]
    units, users = Unit.objects.count(), User.objects.count()
    for changes, message in cases:
        page = client.post(
            reverse("portal:register_unit"), unit_registration(jinan, **changes)
        ).content.decode()
        assert message in page, changes
    assert (Unit.objects.count(), User.objects.count()) == (units, users)


@pytest.mark.django_db
def test_a_registration_is_decided_once(client, unit_a, hr_a):
    person = pending_person(unit_a)
    client.force_login(hr_a)
    decide(client, person, "reject", "信息不全")
    page = client.get(decide(client, person, "approve").url).content.decode()
    assert "已审核" in page
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.REJECTED
    assert not person.memberships.exists()


@pytest.mark.django_db
def test_a_phone_taken_meanwhile_is_left_off_the_new_account_without_a_word(unit_a, alice):
    """Refusing would tell who is registered (see test_registration_secrecy.py)."""
    person = person_register(
        unit=unit_a,
        id_number=NEW_ID,
        password=PASSWORD,
        real_name="孔新",
        phone=alice.phone,
        email="",
    )
    person.refresh_from_db()
    alice.refresh_from_db()
    assert (person.phone, alice.phone) == (None, alice.phone)
    with pytest.raises(RegistrationError, match="该身份证号已注册"):
        person_register(
            unit=unit_a, id_number=NEW_ID, password=PASSWORD, real_name="孔新", phone="", email=""
        )


@pytest.mark.django_db
def test_an_account_without_a_profile_registers_as_a_professional(client, unit_a, hr_a):
    trainee = User.objects.create_user(NEW_ID, PASSWORD, real_name="结业学员")
    page = register(client, unit_a).content.decode()
    assert "已有账号" in page and "忘记密码" not in page

    client.force_login(trainee)
    assert client.get(reverse("portal:home"), follow=True).status_code == 403
    data = registration(unit_a, real_name="结业学员")
    client.post(reverse("portal:my_registration"), data)
    trainee.refresh_from_db()
    assert (trainee.profile.unit, trainee.profile.status) == (unit_a, ReviewStatus.PENDING)
    client.force_login(hr_a)
    decide(client, trainee, "approve")
    assert trainee.memberships.filter(role=Role.PROFESSIONAL).exists()


@pytest.mark.django_db
def test_a_client_that_keeps_failing_is_made_to_wait(client, settings, unit_a, alice):
    settings.REGISTRATION_FAILURES_PER_HOUR = 3
    client.defaults["REMOTE_ADDR"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    for _attempt in range(3):
        register(client, unit_a, id_number=alice.id_number)
    # Once blocked, what is posted is not even looked at: no answer about the number.
    page = register(client, unit_a, id_number=alice.id_number).content.decode()
    assert "尝试次数过多" in page and "已注册" not in page
    page = register(client, unit_a).content.decode()  # a good one, but too late
    assert "尝试次数过多" in page
    assert not User.objects.filter(id_number=NEW_ID).exists()


@pytest.mark.django_db
def test_successful_registrations_from_one_address_are_not_counted(client, settings, unit_a):
    """A hospital's staff registering one after another from the office's address."""
    settings.REGISTRATION_FAILURES_PER_HOUR = 1
    client.defaults["REMOTE_ADDR"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.8"
    for serial in (902, 903):
        number = id_number_for(serial, birth=datetime.date(1990, 3, 8))
        response = register(client, unit_a, id_number=number, phone=f"13900009{serial}")
        assert response.status_code == 302
        client.logout()
    assert User.objects.filter(phone__in=["13900009902", "13900009903"]).count() == 2


@pytest.mark.django_db
def test_behind_the_proxy_the_throttle_counts_each_client_address(client, settings, unit_a):
    settings.REGISTRATION_FAILURES_PER_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 1
    tag = uuid.uuid4().int % 250
    client.defaults["HTTP_X_FORWARDED_FOR"] = f"10.20.{tag}.1"
    register(client, unit_a, id_number="123")
    assert "尝试次数过多" in register(client, unit_a).content.decode()
    client.defaults["HTTP_X_FORWARDED_FOR"] = f"10.20.{tag}.2"
    register(client, unit_a)
    assert User.objects.filter(id_number=NEW_ID).exists()


@pytest.mark.django_db
def test_a_second_decision_says_it_was_decided_already(client, unit_a, hr_a):
    person = pending_person(unit_a)
    client.force_login(hr_a)
    decide(client, person, "approve")
    response = decide(client, person, "reject", "晚了")
    assert response.status_code == 302
    assert "已审核" in client.get(response.url).content.decode()
    person.refresh_from_db()
    assert person.profile.status == ReviewStatus.APPROVED


@pytest.mark.django_db
def test_odd_numbers_in_the_unit_picker_are_ignored(client, unit_a):
    assert client.get(reverse("portal:unit_options"), {"city": "²"}).status_code == 200
    page = register(client, unit_a, city="²", unit="²").content.decode()
    assert "这个字段是必填项" in page or "选择一个有效的选项" in page


@pytest.mark.django_db
def test_people_without_a_profile_still_earn_hours_but_pending_ones_do_not(unit_a):
    graduate = User.objects.create_user(id_number_for(905), None, real_name="无单位学员")
    _entry, created = credit_post(
        person=graduate,
        year=2025,
        category=Category.PROFESSIONAL,
        hours="8",
        source=Source.DIGITAL_ENGINEER,
        source_ref="class-1-graduate",
    )
    assert created
    with pytest.raises(LedgerError, match="孔新的注册尚未审核通过"):
        credit_post(
            person=pending_person(unit_a),
            year=2025,
            category=Category.PROFESSIONAL,
            hours="8",
            source=Source.DIGITAL_ENGINEER,
            source_ref="class-1-pending",
        )


@pytest.mark.django_db
def test_a_person_changes_her_phone_and_e_mail_but_not_her_name(client, alice, bob):
    client.force_login(alice)
    url = reverse("portal:my_account")
    page = client.get(url).content.decode()
    assert alice.id_number in page and "人事部门" in page
    taken = client.post(url, {"phone": bob.phone, "email": ""}).content.decode()
    assert "该手机号已被其他账号使用" in taken
    client.post(url, {"phone": "13900001234", "email": "ai@example.cn", "real_name": "改名"})
    alice.refresh_from_db()
    assert (alice.phone, alice.email, alice.real_name) == (
        "13900001234",
        "ai@example.cn",
        "艾丽丝",
    )
    assert AuditLog.objects.get(action="portal.contact.updated").payload["old"]["phone"] != (
        alice.phone
    )


@pytest.mark.django_db(transaction=True)
def test_a_registration_without_its_audit_entry_is_not_saved(unit_a, audit_down):
    with pytest.raises(audit_down):
        person_register(
            unit=unit_a,
            id_number=id_number_for(4242),
            real_name="王五",
            phone="",
            email="",
            password="Secret-pass-2025",
        )
    assert not User.objects.filter(id_number=id_number_for(4242)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "１", "abc", "-1", "99999999999999999999", ""])
def test_the_unit_picker_lists_nothing_for_a_hostile_city(client, unit_a, value):
    response = client.get(reverse("portal:unit_options"), {"city": value})
    assert response.status_code == 200
    assert unit_a.name not in response.content.decode()
