"""Migration portal.0007 stores the names, ID numbers and phones already in the
database in normal form, and leaves (and reports) values that would collide."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection

from portal.models import User
from tests.factories import UserFactory, id_number_for

migration = importlib.import_module("portal.migrations.0007_normalised_names_id_numbers_phones")
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


def stored_as(user, **values):
    """Write values past the model's normalisation (which an ORM update() applies
    too), as rows stored before it hold them."""
    columns = ", ".join(f"{column} = %s" for column in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE portal_user SET {columns} WHERE id = %s",  # noqa: S608 (the test's names)
            [*values.values(), user.pk],
        )


def stored(user):
    return User.objects.values_list("real_name", "id_number", "phone").get(pk=user.pk)


@pytest.mark.django_db
def test_stored_names_numbers_and_phones_are_normalised(capsys):
    aygul, li, plain = UserFactory(), UserFactory(), UserFactory(real_name="王芳")
    stored_as(aygul, real_name="阿依古丽•吐尔逊", id_number=id_number_for(1).translate(FULL_WIDTH))
    stored_as(li, real_name="李　华", phone="138-0531-20")
    before = stored(plain)

    migration.forwards(apps, None)

    assert stored(aygul)[:2] == ("阿依古丽·吐尔逊", id_number_for(1))
    assert stored(li)[0::2] == ("李华", "138053120")
    assert stored(plain) == before
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_id_numbers_that_collapse_to_one_are_left_and_reported(capsys):
    first = UserFactory(id_number=id_number_for(2))
    twin = UserFactory(real_name="李　华")
    stored_as(twin, id_number=id_number_for(2).translate(FULL_WIDTH))

    migration.forwards(apps, None)

    assert stored(first)[1] == id_number_for(2)
    assert stored(twin)[1] == id_number_for(2).translate(FULL_WIDTH)
    assert stored(twin)[0] == "李华"  # the rest of the row is still normalised
    out = capsys.readouterr().out
    assert f"users {first.pk}, {twin.pk}: id_number left as stored" in out
    assert id_number_for(2) not in out  # the report masks the number


@pytest.mark.django_db
def test_phones_that_collapse_to_one_are_left_and_reported(capsys):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    stored_as(first, phone="1380531-202")
    stored_as(second, phone="138 0531202")
    stored_as(third, phone="１３９００００１１１１")

    migration.forwards(apps, None)

    assert stored(first)[2] == "1380531-202"
    assert stored(second)[2] == "138 0531202"
    assert stored(third)[2] == "13900001111"
    assert "phone left as stored" in capsys.readouterr().out


@pytest.mark.django_db
def test_running_it_again_changes_nothing(capsys):
    person = UserFactory()
    stored_as(person, real_name="李　华")
    migration.forwards(apps, None)
    after = stored(person)
    migration.forwards(apps, None)
    assert stored(person) == after == ("李华", person.id_number, person.phone)


@pytest.mark.django_db
def test_a_name_of_invisible_characters_only_is_left_and_reported(capsys):
    person = UserFactory()
    stored_as(person, real_name="\u200b\ufeff")
    migration.forwards(apps, None)
    assert stored(person)[0] == "\u200b\ufeff"
    assert f"user {person.pk}: real_name left as stored" in capsys.readouterr().out


@pytest.mark.django_db
def test_thousands_of_users_take_a_bounded_number_of_queries(capsys, django_assert_max_num_queries):
    count = 2 * migration.CHUNK + 1000  # three chunks
    User.objects.bulk_create(
        User(
            id_number=id_number_for(
                n, birth=datetime.date(1980, 1, 1) + datetime.timedelta(n // 1000)
            ),
            real_name=f"测试{n}",
            phone=f"137{n:08d}",
            password="!",
        )
        for n in range(count)
    )
    people = User.objects.order_by("pk")
    first, middle, last = people.first(), people[count // 2], people.last()
    with connection.cursor() as cursor:  # every value as typed on a Chinese keyboard
        cursor.execute(
            "UPDATE portal_user SET id_number = translate(id_number, %s, %s),"
            " phone = translate(phone, %s, %s),"
            " real_name = substr(real_name, 1, 1) || '\u3000' || substr(real_name, 2)",
            ["0123456789X", "０１２３４５６７８９Ｘ", "0123456789", "０１２３４５６７８９"],
        )
    # The first and the last row, chunks apart, normalise to one ID number and one phone.
    number_typed, phone_typed = (
        first.id_number[:-1] + first.id_number[-1].translate(FULL_WIDTH),
        (first.phone[:-1] + first.phone[-1].translate(FULL_WIDTH)),
    )
    stored_as(last, id_number=number_typed, phone=phone_typed)

    # One read; per chunk of changes, one query for the holders of each unique value
    # and one UPDATE per field: 1 + 2 × 3 + 3 × 3.
    with django_assert_max_num_queries(16):
        migration.forwards(apps, None)

    assert stored(middle) == (middle.real_name, middle.id_number, middle.phone)
    assert stored(first) == (
        first.real_name,
        first.id_number.translate(FULL_WIDTH),
        first.phone.translate(FULL_WIDTH),
    )
    assert stored(last) == (last.real_name, number_typed, phone_typed)
    out = capsys.readouterr().out
    assert f"users {first.pk}, {last.pk}: id_number left as stored" in out
    assert (
        f"users {first.pk}, {last.pk}: phone left as stored, they all normalise to 137****0000"
        in out
    )
    assert first.id_number not in out
    assert "测试" not in out
