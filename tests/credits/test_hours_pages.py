"""我的学时, the staff list, a person's ledger and corrections, as users see them."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from credits.models import Category, CreditEntry, PersonYearTotal, Source, YearRule
from credits.services import CreditRecord, credit_post, credit_post_batch
from portal.models import ProfessionalProfile, TitleLevel, User
from tests.factories import id_number_for, make_professional

YEAR = 2024


def give(person, public=0, professional=0, year=YEAR, ref=None, **extra):
    entries = []
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        if hours:
            entry, _ = credit_post(
                person=person,
                year=year,
                category=category,
                hours=Decimal(hours),
                source=extra.get("source", Source.COURSE),
                source_ref=f"{ref or person.pk}-{year}-{category}",
                description="测试课程",
                recorded_unit=extra.get("recorded_unit"),
            )
            entries.append(entry)
    return entries


def my_hours(client, year=YEAR):
    return client.get(reverse("credits:my_hours"), {"year": year})


@pytest.mark.django_db
class TestMyHours:
    def test_shows_gap_in_words_and_the_badge(self, client, alice):
        give(alice, public=30, professional=48)
        client.force_login(alice)
        page = my_hours(client).content.decode()
        assert "专业科目还差 12.0 学时" in page
        assert "公需科目还差" not in page
        assert "未达标" in page

    def test_compliant_year_says_so(self, client, alice):
        give(alice, public=30, professional=60)
        client.force_login(alice)
        page = my_hours(client).content.decode()
        assert "本年度公需科目和专业科目学时均已达标" in page

    def test_surplus_in_one_category_never_covers_the_other(self, client, alice):
        give(alice, public=10, professional=200)
        client.force_login(alice)
        page = my_hours(client).content.decode()
        assert "公需科目还差 20.0 学时" in page
        assert "未达标" in page

    def test_a_changed_year_rule_changes_the_verdict(self, client, alice):
        give(alice, public=30, professional=60)
        client.force_login(alice)
        assert "均已达标" in my_hours(client).content.decode()
        YearRule.objects.filter(year=YEAR).update(public_min=Decimal(40))
        page = my_hours(client).content.decode()
        assert "公需科目还差 10.0 学时" in page
        assert "均已达标" not in my_hours(client, 2023).content.decode()  # 2023 has no hours

    def test_a_past_year_is_judged_by_its_own_rule(self, client, alice):
        YearRule.objects.filter(year=2021).update(public_min=24, professional_min=48)
        give(alice, public=24, professional=48, year=2021)
        give(alice, public=24, professional=48, year=2022)
        client.force_login(alice)
        assert "均已达标" in my_hours(client, 2021).content.decode()
        assert "公需科目还差 6.0 学时" in my_hours(client, 2022).content.decode()

    def test_reversal_is_shown_as_such(self, client, alice, province_hr):
        from credits.services import credit_reverse

        [entry] = give(alice, public=6)
        credit_reverse(entry=entry, reason="重复登记", reversed_by=province_hr)
        client.force_login(alice)
        page = my_hours(client).content.decode()
        assert f"冲销第{entry.pk}号记录：重复登记" in page
        assert "已被第" in page
        assert "-6.0" in page

    def test_chart_data_covers_every_ruled_year(self, client, alice):
        give(alice, public=12, year=2022)
        client.force_login(alice)
        chart = my_hours(client).context["chart"]
        assert chart["years"] == list(range(2021, 2027))
        assert chart["public"][1] == 12.0

    def test_export_is_an_xlsx_of_the_whole_record(self, client, alice):
        give(alice, public=30, professional=60, year=2023)
        give(alice, public=6, year=2024)
        client.force_login(alice)
        response = client.get(reverse("credits:my_hours_export"))
        workbook = load_workbook(io.BytesIO(response.content))
        summary = {row[0]: row for row in workbook.worksheets[0].iter_rows(values_only=True)}
        assert summary[2023][1:4] == (30, 60, 90)
        assert summary[2023][6] == "达标"
        assert "专业科目还差 60.0 学时" in summary[2024][7]
        entries = list(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
        assert len(entries) == 3

    def test_query_count_does_not_grow_with_2000_entries(
        self, client, alice, django_assert_max_num_queries
    ):
        credit_post_batch(
            CreditRecord(alice.pk, YEAR, Category.PUBLIC, Decimal(1), Source.PLATFORM, f"p{i}")
            for i in range(2000)
        )
        client.force_login(alice)
        with django_assert_max_num_queries(5):
            response = my_hours(client)
        page = response.content.decode()
        assert "第1页，共40页（共2000条）" in page
        assert "2000.0 / 30.0" in page

    def test_only_professionals_have_my_hours(self, client, hr_a):
        client.force_login(hr_a)
        assert my_hours(client).status_code == 403


def staff(client, **params):
    return client.get(reverse("credits:staff_list"), {"year": YEAR, **params})


@pytest.mark.django_db
class TestStaffList:
    @pytest.fixture
    def team(self, unit_a, alice):
        carol = make_professional(unit_a, real_name="卡萝尔")
        dave = make_professional(unit_a, real_name="戴夫")
        ProfessionalProfile.objects.filter(user=dave).update(title_level=TitleLevel.SENIOR)
        give(alice, public=30, professional=60)
        give(carol, public=10, professional=60)
        give(dave, public=30, professional=20)
        return {"alice": alice, "carol": carol, "dave": dave}

    def names(self, response):
        return [p.real_name for p in response.context["page"]]

    def test_lists_only_the_units_staff_with_hours(self, client, hr_a, team, bob):
        client.force_login(hr_a)
        response = staff(client)
        assert sorted(self.names(response)) == sorted(p.real_name for p in team.values())
        assert bob.real_name not in response.content.decode()

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("met", {"alice"}),
            ("short", {"carol", "dave"}),
            ("short_public", {"carol"}),
            ("short_professional", {"dave"}),
        ],
    )
    def test_filter_by_status(self, client, hr_a, team, status, expected):
        client.force_login(hr_a)
        names = set(self.names(staff(client, status=status)))
        assert names == {team[key].real_name for key in expected}

    def test_filter_by_level_and_search(self, client, hr_a, team):
        client.force_login(hr_a)
        assert self.names(staff(client, level=TitleLevel.SENIOR)) == ["戴夫"]
        assert self.names(staff(client, q="卡萝")) == ["卡萝尔"]
        assert self.names(staff(client, q=team["dave"].id_number)) == ["戴夫"]

    def test_export_follows_the_filter(self, client, hr_a, team):
        client.force_login(hr_a)
        response = client.get(reverse("credits:staff_export"), {"year": YEAR, "status": "short"})
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[0][:2] == ("姓名", "身份证号")
        assert {r[0] for r in rows[1:]} == {"卡萝尔", "戴夫"}
        carol = next(r for r in rows if r[0] == "卡萝尔")
        assert carol[4:7] == (10, 60, "未达标")

    def test_other_roles_get_403(self, client, alice, jinan_hr):
        for user in (alice, jinan_hr):
            client.force_login(user)
            assert staff(client).status_code == 403

    def test_query_count_does_not_grow_with_a_unit_of_5000(
        self, client, hr_a, unit_a, django_assert_max_num_queries
    ):
        users = User.objects.bulk_create(
            User(
                id_number=id_number_for(i, birth=_birth(i)), real_name=f"员工{i:04d}", password="!"
            )
            for i in range(5000)
        )
        ProfessionalProfile.objects.bulk_create(
            ProfessionalProfile(user=u, unit=unit_a) for u in users
        )
        PersonYearTotal.objects.bulk_create(
            PersonYearTotal(person=u, year=YEAR, public_hours=30, professional_hours=i % 70)
            for i, u in enumerate(users)
        )
        client.force_login(hr_a)
        with django_assert_max_num_queries(10):
            response = staff(client, status="short")
        assert response.context["page"].paginator.count == sum(
            1 for i in range(5000) if i % 70 < 60
        )
        assert len(response.context["page"]) == 50


def _birth(i):
    import datetime

    return datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)


@pytest.mark.django_db
class TestCorrections:
    def test_unit_hr_reverses_an_entry_her_unit_recorded(self, client, hr_a, alice, unit_a):
        [entry] = give(alice, professional=8, source=Source.OFFLINE, recorded_unit=unit_a)
        client.force_login(hr_a)
        person_page = reverse("credits:person_detail", kwargs={"pk": alice.pk})
        assert (
            reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
            in client.get(person_page, {"year": YEAR}).content.decode()
        )
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        response = client.post(url, {"reason": "培训未实际参加"})
        assert response.status_code == 302
        reversal = CreditEntry.objects.get(reverses=entry)
        assert reversal.hours == Decimal("-8.0")
        page = client.get(person_page, {"year": YEAR}).content.decode()
        assert "培训未实际参加" in page
        assert f"#{entry.pk}" in page and f"#{reversal.pk}" in page

    def test_unit_hr_cannot_reverse_hours_from_elsewhere(self, client, hr_a, alice):
        [entry] = give(alice, public=6, source=Source.PLATFORM)
        client.force_login(hr_a)
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        assert client.post(url, {"reason": "x"}).status_code == 404
        assert not CreditEntry.objects.filter(reverses=entry).exists()

    def test_hr_of_another_unit_cannot_reverse(self, client, hr_b, alice, unit_a):
        [entry] = give(alice, public=6, recorded_unit=unit_a)
        client.force_login(hr_b)
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        assert client.post(url, {"reason": "x"}).status_code == 404
        assert (
            client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).status_code == 404
        )

    def test_province_hr_reverses_any_entry(self, client, province_hr, alice):
        [entry] = give(alice, public=6, source=Source.PLATFORM)
        client.force_login(province_hr)
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        assert client.post(url, {"reason": "平台重复推送"}).status_code == 302
        assert CreditEntry.objects.filter(reverses=entry).exists()

    def test_reason_is_required(self, client, province_hr, alice):
        [entry] = give(alice, public=6)
        client.force_login(province_hr)
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        assert client.post(url, {"reason": ""}).status_code == 200
        assert not CreditEntry.objects.filter(reverses=entry).exists()

    def test_professionals_cannot_reverse(self, client, alice):
        [entry] = give(alice, public=6)
        client.force_login(alice)
        url = reverse("credits:entry_reverse", kwargs={"pk": entry.pk})
        assert client.post(url, {"reason": "x"}).status_code == 403


@pytest.mark.django_db
def test_city_hr_sees_people_of_her_city_only(client, jinan_hr, alice, bob):
    client.force_login(jinan_hr)
    assert client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).status_code == 200
    assert client.get(reverse("credits:person_detail", kwargs={"pk": bob.pk})).status_code == 404


@pytest.mark.django_db
def test_department_admin_sees_only_a_masked_id_number(client, health_admin, alice):
    client.force_login(health_admin)
    page = client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk})).content.decode()
    assert alice.masked_id_number in page
    assert alice.id_number not in page


@pytest.mark.django_db
def test_staff_list_falls_back_to_the_latest_ruled_year(client, hr_a, alice):
    from django.utils import timezone

    this_year = timezone.localdate().year
    YearRule.objects.filter(year__gte=this_year).delete()
    client.force_login(hr_a)
    response = client.get(reverse("credits:staff_list"))
    assert response.status_code == 200
    assert response.context["year"] == this_year - 1


@pytest.mark.django_db
def test_only_the_unit_hr_is_offered_the_account_and_correction_controls(
    client, hr_a, jinan_hr, province_hr, alice
):
    url = reverse("credits:person_detail", kwargs={"pk": alice.pk})
    client.force_login(hr_a)
    page = client.get(url).content.decode()
    assert 'data-testid="account"' in page and 'data-testid="correction"' in page
    for other in (jinan_hr, province_hr):
        client.force_login(other)
        page = client.get(url).content.decode()
        assert alice.real_name in page
        assert 'data-testid="account"' not in page and 'data-testid="correction"' not in page
