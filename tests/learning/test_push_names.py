"""A platform spells a name its own way: the push API matches by ID number and
compares the names in normal form (middle-dot look-alikes, spaces, full width)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from credits.models import CreditEntry
from credits.selectors import year_status
from portal.models import User
from tests.factories import make_professional
from tests.learning.conftest import outcomes, push, record
from tests.portal.test_registration import NEW_ID, decide, register


@pytest.mark.django_db
def test_a_name_registered_with_a_bullet_is_credited_a_record_spelled_with_u00b7(key, unit_a, hr_a):
    applicant = Client()
    assert register(applicant, unit_a, real_name="阿依古丽•吐尔逊").status_code == 302
    person = User.objects.get(id_number=NEW_ID)
    hr = Client()
    hr.force_login(hr_a)
    decide(hr, person, "approve")

    response = push(Client(), key, [record(person, "c-1", name="阿依古丽·吐尔逊")])
    assert outcomes(response) == [("c-1", "credited")]
    assert CreditEntry.objects.get().person == person
    assert year_status(person, 2025).public == Decimal(6)


@pytest.mark.parametrize(
    ("stored", "pushed"),
    [
        ("李华", "李　华"),
        ("李华", " 李 华 "),
        ("阿依古丽·吐尔逊", "阿依古丽・吐尔逊"),
        ("阿依古丽·吐尔逊", "阿依古丽.吐尔逊"),
        ("李华", "李\u200b华"),
    ],
)
@pytest.mark.django_db
def test_the_same_name_written_otherwise_is_credited(client, key, unit_a, stored, pushed):
    person = make_professional(unit_a, real_name=stored)
    response = push(client, key, [record(person, name=pushed)])
    assert outcomes(response) == [("c-1", "credited")]


@pytest.mark.django_db
def test_a_name_stored_before_normalisation_still_matches(client, key, unit_a):
    person = make_professional(unit_a, real_name="李华")
    with connection.cursor() as cursor:  # as stored long ago, past the model's normalising
        cursor.execute("UPDATE portal_user SET real_name = %s WHERE id = %s", ["李　华", person.pk])
    response = push(client, key, [record(person, name="李华")])
    assert outcomes(response) == [("c-1", "credited")]


@pytest.mark.django_db
def test_a_full_width_id_number_is_matched_to_its_person(client, key, alice):
    number = alice.id_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    response = push(client, key, [record(alice, id_number=number)])
    assert outcomes(response) == [("c-1", "credited")]
    assert CreditEntry.objects.get().person == alice


@pytest.mark.django_db
def test_another_name_is_still_refused(client, key, alice):
    response = push(client, key, [record(alice, name="艾丽")])
    assert outcomes(response) == [("c-1", "rejected")]
    assert "姓名" in response.json()["results"][0]["reason"]
    assert not CreditEntry.objects.exists()


def spaced_full_width(number: str) -> str:
    """An ID number as typed on a Chinese keyboard: full width, in groups."""
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    return f"{wide[:6]}\u3000{wide[6:14]} {wide[14:]}"


@pytest.mark.django_db
def test_matching_a_record_by_hand_takes_the_id_number_as_typed(alice):
    from learning.platforms.forms import ReprocessForm

    form = ReprocessForm({"id_number": spaced_full_width(alice.id_number)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["person"] == alice


@pytest.mark.django_db
def test_a_course_teacher_is_linked_by_the_id_number_as_typed(alice):
    from learning.catalog.forms import CourseForm

    form = CourseForm({"teacher_id_number": spaced_full_width(alice.id_number)})
    form.is_valid()
    assert "teacher_id_number" not in form.errors
    assert form.cleaned_data["teacher_id_number"] == alice
