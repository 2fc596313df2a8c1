"""The board of self-evaluating units (notice 五(一)): per unit and year, staff, staff
with hours registered, compliant staff and certificates issued — equal to counts
taken straight from the tables — and the same figures on the unit HR's home."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from certificates import selectors
from certificates.models import Certificate, RevocationCategory
from certificates.services import certificate_issue, certificate_revoke
from credits.models import Category, CreditEntry, PersonYearTotal, Source
from credits.selectors import default_year
from credits.services import credit_post
from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role
from portal.selectors import staff_of_unit_in_year
from portal.self_evaluation import unit_set_self_evaluating
from tests.certificates.conftest import make_compliant
from tests.factories import UnitFactory, make_professional, move

YEAR = 2025
BOARD = reverse("certificates:self_evaluating_board")
MINE = reverse("certificates:self_evaluating_mine")


def _hours(person, year, category, hours, tag):
    credit_post(
        person=person,
        year=year,
        category=category,
        hours=Decimal(hours),
        source=Source.COURSE,
        source_ref=f"self-eval-{tag}-{person.pk}-{year}",
    )


def _mark(province_hr, unit):
    actor = Membership.objects.get(user=province_hr, role=Role.PROVINCE_HR)
    return unit_set_self_evaluating(
        actor=actor, unit_pk=unit.pk, on=True, since=datetime.date(2024, 1, 1)
    )


@pytest.fixture
def mixed_unit(cast, unit_a, unit_b, province_hr, hr_a):
    """Unit A self-evaluating, with, in YEAR: alice compliant with a certificate;
    carol compliant whose certificate was revoked; dan with some hours; erin with
    none; hank, who left for unit B after YEAR ended, compliant; a pending
    registration with hours (not staff); gina with hours of another year only.
    Unit B self-evaluating too, bob without hours."""
    alice = cast["alice"]
    carol = make_professional(unit_a, real_name="卡萝")
    dan = make_professional(unit_a, real_name="丹")
    make_professional(unit_a, real_name="艾琳")
    gina = make_professional(unit_a, real_name="吉娜")
    hank = make_professional(unit_a, real_name="汉克")
    pending = make_professional(unit_a, real_name="佩妮")
    for person in (alice, carol, hank):
        make_compliant(person, YEAR)
    certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    revoked = certificate_issue(person=carol, year=YEAR, issued_by=hr_a, render=False)
    certificate_revoke(
        certificate=revoked, category=RevocationCategory.OTHER, reason="测试", revoked_by=hr_a
    )
    _hours(dan, YEAR, Category.PUBLIC, 10, "some")
    _hours(gina, YEAR - 1, Category.PUBLIC, 30, "other-year")
    _hours(pending, YEAR, Category.PUBLIC, 30, "pending")
    ProfessionalProfile.objects.filter(user=pending).update(status=ReviewStatus.PENDING)
    move(hank, unit_a, unit_b)  # now, long after YEAR ended: A's staff in YEAR
    _mark(province_hr, unit_a)
    _mark(province_hr, unit_b)
    return unit_a


def straight_from_the_tables(unit, year):
    """The four figures counted from the tables themselves, one query each."""
    staff = staff_of_unit_in_year(unit.pk, year)
    return {
        "staff": staff.count(),
        "registered": CreditEntry.objects.filter(year=year, person__in=staff)
        .values("person")
        .distinct()
        .count(),
        "compliant": PersonYearTotal.objects.filter(
            year=year, person__in=staff, public_hours__gte=30, professional_hours__gte=60
        ).count(),
        "issued": Certificate.objects.filter(
            unit=unit, year=year, status=Certificate.Status.VALID
        ).count(),
    }


def figures(unit):
    return {
        name: getattr(unit, f"{name}_count")
        for name in ("staff", "registered", "compliant", "issued")
    }


@pytest.mark.django_db
def test_the_board_counts_what_the_tables_hold(client, mixed_unit, unit_b, province_hr):
    client.force_login(province_hr)
    response = client.get(BOARD, {"year": YEAR})
    assert response.status_code == 200
    rows = {unit.pk: unit for unit in response.context["page"]}
    assert figures(rows[mixed_unit.pk]) == straight_from_the_tables(mixed_unit, YEAR)
    # alice, carol, dan, erin, gina, hank; registered: alice, carol, dan, hank;
    # compliant: alice, carol, hank; one valid certificate (carol's was revoked).
    assert figures(rows[mixed_unit.pk]) == {
        "staff": 6,
        "registered": 4,
        "compliant": 3,
        "issued": 1,
    }
    assert figures(rows[unit_b.pk]) == straight_from_the_tables(unit_b, YEAR)
    assert figures(rows[unit_b.pk]) == {"staff": 1, "registered": 0, "compliant": 0, "issued": 0}
    # The unit that does not use the platform comes first, and says so.
    assert [unit.pk for unit in response.context["page"]] == [unit_b.pk, mixed_unit.pk]
    text = response.content.decode()
    assert "未登记学时" in text and "职称自主评聘单位" in text


@pytest.mark.django_db
def test_another_year_and_the_default_year(client, mixed_unit, province_hr):
    client.force_login(province_hr)
    earlier = client.get(BOARD, {"year": YEAR - 1}).context["page"]
    unit = next(u for u in earlier if u.pk == mixed_unit.pk)
    assert figures(unit) == straight_from_the_tables(mixed_unit, YEAR - 1)
    assert unit.registered_count == 1  # gina's hours of that year
    # No year, or one that is not a rule year: the current rule year.
    for query in ({}, {"year": "²"}, {"year": "1999"}, {"year": "99999999999999999999"}):
        response = client.get(BOARD, query)
        assert response.status_code == 200
        assert response.context["year"] == default_year()


@pytest.mark.django_db
def test_a_year_without_a_rule_has_no_compliant_figure(mixed_unit, province_hr):
    actor = Membership.objects.get(user=province_hr, role=Role.PROVINCE_HR)
    unit = selectors.self_evaluating_board(actor, 2000).get(pk=mixed_unit.pk)
    assert unit.compliant_count is None
    assert (unit.staff_count, unit.registered_count, unit.issued_count) == (6, 0, 0)


@pytest.mark.django_db
def test_only_self_evaluating_units_are_on_the_board(client, mixed_unit, jinan, province_hr):
    other = UnitFactory(name="非自主评聘单位", city=jinan)
    make_compliant(make_professional(other), YEAR)
    client.force_login(province_hr)
    page = client.get(BOARD, {"year": YEAR}).context["page"]
    assert other.pk not in {unit.pk for unit in page}


@pytest.mark.django_db
def test_the_board_is_one_query_whatever_the_number_of_units(
    client, mixed_unit, jinan, province_hr, django_assert_max_num_queries
):
    for n in range(20):
        unit = UnitFactory(name=f"自主评聘单位{n}", city=jinan, is_self_evaluating=True)
        make_compliant(make_professional(unit), YEAR)
    client.force_login(province_hr)
    # session and user with roles, the rule year choices, the rule, the page.
    with django_assert_max_num_queries(7):
        response = client.get(BOARD, {"year": YEAR})
    assert response.context["page"].paginator.count == 22


@pytest.mark.django_db
def test_only_provincial_hr_sees_the_board(client, cast, mixed_unit):
    for name, person in cast.items():
        client.force_login(person)
        expected = 200 if name == "province_hr" else 403
        assert client.get(BOARD).status_code == expected, name
    client.logout()
    assert client.get(BOARD).status_code == 302


@pytest.mark.django_db
def test_the_unit_hr_home_shows_its_own_figures(client, mixed_unit, hr_a, hr_b, alice):
    year = default_year()
    _hours(alice, year, Category.PUBLIC, 5, "this-year")
    client.force_login(hr_a)
    home = client.get(reverse("portal:role_home", args=[Role.UNIT_HR])).content.decode()
    assert f'hx-get="{MINE}"' in home
    response = client.get(MINE)
    assert response.status_code == 200
    assert response.context["year"] == year
    assert figures(response.context["unit"]) == straight_from_the_tables(mixed_unit, year)
    assert response.context["unit"].registered_count == 1
    text = response.content.decode()
    assert "已登记学时的人员" in text and "已发证书" in text


@pytest.mark.django_db
def test_a_unit_that_is_not_self_evaluating_shows_nothing(client, unit_a, hr_a, cast):
    client.force_login(hr_a)
    home = client.get(reverse("portal:role_home", args=[Role.UNIT_HR])).content.decode()
    assert MINE not in home
    response = client.get(MINE)
    assert response.status_code == 200
    assert response.context["unit"] is None
    assert "data-testid" not in response.content.decode()


@pytest.mark.django_db
def test_the_figures_are_for_the_unit_hr_alone(client, cast, mixed_unit):
    for name, person in cast.items():
        client.force_login(person)
        expected = 200 if name in ("hr_a", "hr_b") else 403
        assert client.get(MINE).status_code == expected, name
    # hr_b sees its own unit's figures, never unit A's.
    client.force_login(cast["hr_b"])
    assert client.get(MINE).context["unit"].pk == cast["hr_b"].memberships.get().unit_id


@pytest.mark.django_db
def test_the_self_evaluating_unit_hr_home_stays_within_its_bound(
    client, mixed_unit, hr_a, django_assert_max_num_queries
):
    client.force_login(hr_a)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("portal:role_home", args=[Role.UNIT_HR]))
    assert response.status_code == 200
