"""An institution enrols a person by ID card number and name: an ID number alone
never turns into a name, and no refusal names anybody."""

import pytest

from portal.models import ReviewStatus, User
from tests.digital_engineer import test_pages
from tests.digital_engineer.test_pages import action, open_class
from tests.factories import id_number_for, make_professional

MISMATCH = "身份证号与姓名不一致"
staff_client = test_pages.staff_client  # the fixture


@pytest.mark.django_db
def test_an_existing_account_with_another_name_is_refused_without_her_name(
    staff_client, jinan, alice
):
    klass = open_class(staff_client, jinan)
    page = action(staff_client, klass, "enrol", id_number=alice.id_number, real_name="张三")
    text = page.content.decode()
    assert MISMATCH in text
    assert alice.real_name not in text
    assert not klass.trainees.exists()
    assert User.objects.filter(id_number=alice.id_number).get() == alice  # nobody new


@pytest.mark.django_db
def test_an_id_number_without_a_name_is_refused_without_her_name(staff_client, jinan, alice):
    klass = open_class(staff_client, jinan)
    page = action(staff_client, klass, "enrol", id_number=alice.id_number)
    text = page.content.decode()
    assert "请填写学员的身份证号和姓名" in text
    assert alice.real_name not in text
    assert not klass.trainees.exists()


@pytest.mark.django_db
def test_the_name_as_people_type_it_enrols_the_existing_account(staff_client, jinan, unit_a):
    person = make_professional(unit_a, real_name="阿依古丽·吐尔逊")
    klass = open_class(staff_client, jinan)
    action(staff_client, klass, "enrol", id_number=person.id_number, real_name="阿依古丽•吐尔逊 ")
    assert klass.trainees.get().person == person


@pytest.mark.django_db
def test_a_pending_registrant_is_never_named(staff_client, jinan, unit_a):
    pending = make_professional(unit_a, real_name="待审人")
    pending.profile.status = ReviewStatus.PENDING
    pending.profile.save()
    klass = open_class(staff_client, jinan)

    guessed = action(staff_client, klass, "enrol", id_number=pending.id_number, real_name="某人")
    assert MISMATCH in guessed.content.decode()
    assert "待审人" not in guessed.content.decode()

    known = action(staff_client, klass, "enrol", id_number=pending.id_number, real_name="待审人")
    text = known.content.decode()
    assert "此人的注册尚未通过单位审核" in text
    assert "待审人" not in text
    assert not klass.trainees.exists()


@pytest.mark.django_db
def test_enrolling_twice_names_nobody(staff_client, jinan, alice):
    klass = open_class(staff_client, jinan)
    action(staff_client, klass, "enrol", id_number=alice.id_number, real_name=alice.real_name)
    again = action(staff_client, klass, "enrol", id_number=alice.id_number, real_name="艾丽丝")
    assert "此人已在本班" in again.content.decode()
    assert klass.trainees.count() == 1


@pytest.mark.django_db
def test_a_new_person_needs_a_name(staff_client, jinan):
    klass = open_class(staff_client, jinan)
    action(staff_client, klass, "enrol", id_number=id_number_for(777), real_name="")
    assert not User.objects.filter(id_number=id_number_for(777)).exists()
