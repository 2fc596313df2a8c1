"""Compliance reports: every figure checked against counts taken straight from the ledger."""

import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from credits.models import Category, CreditEntry, ReportJob, Source, YearRule
from credits.reports import (
    annual_reports,
    purge_expired_reports,
    report_compute,
    report_request,
)
from credits.services import credit_post
from portal.models import (
    JobStatus,
    ProfessionalProfile,
    ReviewStatus,
    TitleLevel,
    TitleSeries,
)
from portal.selectors import staff_of_unit_in_year
from tests.factories import UnitFactory, make_professional, move
from tests.pdfs import pdf_text

YEAR = 2024


def give(person, public, professional, ref):
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        if hours:
            credit_post(
                person=person,
                year=YEAR,
                category=category,
                hours=Decimal(str(hours)),
                source=Source.COURSE,
                source_ref=f"{ref}-{category}",
            )


@pytest.fixture
def province(unit_a, unit_b, jinan, health):
    """People just over and just under each threshold, and people with nothing."""
    second_jinan = UnitFactory(name="济南第二医院", city=jinan, authority=health)
    hours = [
        (30, 60),
        (30.1, 60),
        (29.9, 60),
        (30, 59.9),
        (29.9, 59.9),
        (0, 0),
        (100, 0),
        (0, 200),
        (45, 75),
    ]
    people = []
    for index, unit in enumerate([unit_a, unit_b, second_jinan] * 3):
        person = make_professional(unit)
        public, professional = hours[index % len(hours)]
        give(person, public, professional, f"p{index}")
        people.append(person)
    for unit in (unit_a, unit_b):
        people.append(make_professional(unit))  # no entries at all
    return people


def ledger_counts(people):
    """The independent count: sums straight from CreditEntry, classified here."""
    rule = YearRule.objects.get(year=YEAR)
    counts = Counter(people=len(people))
    for person in people:
        sums = {
            row["category"]: row["total"]
            for row in CreditEntry.objects.filter(person=person, year=YEAR)
            .values("category")
            .annotate(total=Sum("hours"))
        }
        public_ok = sums.get(Category.PUBLIC, 0) >= rule.public_min
        professional_ok = sums.get(Category.PROFESSIONAL, 0) >= rule.professional_min
        key = {
            (True, True): "compliant",
            (False, True): "short_public",
            (True, False): "short_professional",
            (False, False): "short_both",
        }[(public_ok, professional_ok)]
        counts[key] += 1
    return counts


def run(client, scope_value, eager, capture):
    with capture(execute=True):
        response = client.post(reverse("credits:report_new"), {"scope": scope_value, "year": YEAR})
    return ReportJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def total_of(job):
    return {k: v for k, v in job.summary["total"].items() if k != "rate"}


@pytest.mark.django_db
class TestFigures:
    def test_province_report_equals_the_ledger(
        self, client, province_hr, province, eager_celery, django_capture_on_commit_callbacks
    ):
        client.force_login(province_hr)
        job = run(client, "province", eager_celery, django_capture_on_commit_callbacks)
        assert job.status == JobStatus.DONE
        expected = ledger_counts(province)
        assert total_of(job) == {k: expected[k] for k in total_of(job)}
        by_city = {row["label"]: row for row in job.summary["rows"]}
        jinan_people = [p for p in province if p.profile.unit.city.code == "370100"]
        expected_jinan = ledger_counts(jinan_people)
        assert by_city["济南市"]["compliant"] == expected_jinan["compliant"]
        assert by_city["济南市"]["people"] == len(jinan_people)

    def test_city_report_breaks_down_by_unit(
        self, client, jinan_hr, province, unit_a, eager_celery, django_capture_on_commit_callbacks
    ):
        client.force_login(jinan_hr)
        job = run(
            client, f"city:{unit_a.city_id}", eager_celery, django_capture_on_commit_callbacks
        )
        rows = {row["label"]: row for row in job.summary["rows"]}
        assert set(rows) == {"济南测试医院", "济南第二医院"}
        in_unit_a = [p for p in province if p.profile.unit_id == unit_a.pk]
        assert rows["济南测试医院"]["short_both"] == ledger_counts(in_unit_a)["short_both"]

    def test_unit_report_has_the_person_sheet_and_titles(
        self, client, hr_a, province, unit_a, eager_celery, django_capture_on_commit_callbacks
    ):
        ProfessionalProfile.objects.filter(unit=unit_a).update(
            title_series=TitleSeries.HEALTH, title_level=TitleLevel.SENIOR
        )
        client.force_login(hr_a)
        job = run(client, f"unit:{unit_a.pk}", eager_celery, django_capture_on_commit_callbacks)
        [row] = job.summary["rows"]
        assert row["label"] == "卫生 · 正高级"
        workbook = load_workbook(
            io.BytesIO(
                client.get(
                    reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "xlsx"})
                ).getvalue()
            )
        )
        assert workbook.sheetnames == ["汇总", "分组", "人员"]
        people = list(workbook["人员"].iter_rows(min_row=2, values_only=True))
        in_unit_a = [p for p in province if p.profile.unit_id == unit_a.pk]
        assert len(people) == len(in_unit_a)
        short = next(r for r in people if r[2] == 30 and r[3] == 59.9)
        assert short[5:7] == (0, 0.1)  # still lacks 0.1 professional hours
        summary = dict(workbook["汇总"].iter_rows(min_row=2, values_only=True))
        assert summary["人数"] == len(in_unit_a)
        assert summary["达标"] == ledger_counts(in_unit_a)["compliant"]

    def test_pdf_names_scope_year_and_totals(
        self, client, province_hr, province, eager_celery, django_capture_on_commit_callbacks
    ):
        client.force_login(province_hr)
        job = run(client, "province", eager_celery, django_capture_on_commit_callbacks)
        response = client.get(reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "pdf"}))
        text = pdf_text(response.getvalue())
        assert "全省" in text
        assert str(YEAR) in text
        assert f"{job.summary['total']['rate']}%" in text
        assert str(job.summary["total"]["people"]) in text


@pytest.mark.django_db
class TestScope:
    @pytest.mark.parametrize(
        ("member", "value", "status"),
        [
            ("hr_a", "unit:{unit_b}", 404),
            ("hr_a", "province", 404),
            ("hr_a", "city:{jinan}", 404),
            ("jinan_hr", "city:{qingdao}", 404),
            ("jinan_hr", "unit:{unit_b}", 404),
            ("health_admin", "authority:{education}", 404),
            ("health_admin", "unit:{unit_b}", 404),
            ("alice", "unit:{unit_a}", 403),
            ("institution_staff", "province", 403),
        ],
    )
    def test_nobody_reports_outside_their_scope(
        self, client, cast, unit_a, unit_b, jinan, qingdao, education, member, value, status
    ):
        value = value.format(
            unit_a=unit_a.pk,
            unit_b=unit_b.pk,
            jinan=jinan.pk,
            qingdao=qingdao.pk,
            education=education.pk,
        )
        client.force_login(cast[member])
        response = client.post(reverse("credits:report_new"), {"scope": value, "year": YEAR})
        assert response.status_code == status
        assert not ReportJob.objects.exists()

    def test_the_form_offers_only_scopes_in_reach(self, client, health_admin, unit_a, unit_b):
        client.force_login(health_admin)
        options = dict(client.get(reverse("credits:reports")).context["options"])
        assert f"unit:{unit_a.pk}" in options
        assert f"unit:{unit_b.pk}" not in options
        assert "province" not in options

    def test_someone_elses_report_is_404(self, client, hr_a, hr_b, unit_a):
        job = report_request(year=YEAR, requested_by=hr_a, scope="unit", target=unit_a)
        client.force_login(hr_b)
        assert client.get(reverse("credits:report", kwargs={"pk": job.pk})).status_code == 404
        url = reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "xlsx"})
        assert client.get(url).status_code == 404


@pytest.mark.django_db
class TestJobs:
    def test_queued_report_page_polls(self, client, hr_a, unit_a):
        job = report_request(year=YEAR, requested_by=hr_a, scope="unit", target=unit_a)
        client.force_login(hr_a)
        page = client.get(reverse("credits:report", kwargs={"pk": job.pk})).content.decode()
        assert 'hx-trigger="every 2s"' in page
        assert "排队中" in page

    def test_failed_report_shows_its_error_and_can_be_retried(
        self, client, hr_a, unit_a, eager_celery, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = report_request(year=2019, requested_by=hr_a, scope="unit", target=unit_a)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        client.force_login(hr_a)
        page = client.get(reverse("credits:report", kwargs={"pk": job.pk})).content.decode()
        assert "2019年度尚无学时要求" in page
        assert "重试" in page
        YearRule.objects.create(year=2019, public_min=24, professional_min=48)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("credits:report_retry", kwargs={"pk": job.pk}))
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
        assert job.summary["public_min"] == "24.0"

    def test_expired_files_are_deleted(
        self, hr_a, unit_a, eager_celery, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = report_request(year=YEAR, requested_by=hr_a, scope="unit", target=unit_a)
        job.refresh_from_db()
        path = job.xlsx.path
        ReportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(days=1))
        assert purge_expired_reports() == 1
        job.refresh_from_db()
        assert job.expired and not job.xlsx
        import os

        assert not os.path.exists(path)

    def test_the_yearly_schedule_covers_every_city_and_the_province(self, db):
        from django.conf import settings

        jobs = annual_reports(YEAR)
        assert Counter(j.scope for j in jobs) == {"province": 1, "city": 17}
        entry = settings.CELERY_BEAT_SCHEDULE["annual-compliance-reports"]
        assert entry["task"] == "credits.tasks.annual_reports"
        assert entry["schedule"].day_of_month == {15}
        assert entry["schedule"].month_of_year == {1}


@pytest.mark.django_db
def test_seed_scale_builds_a_province_the_ledger_agrees_with(capsys):
    from django.core.management import call_command

    from credits.models import PersonYearTotal
    from credits.selectors import ledger_differences

    call_command("seed_scale", "--people", "120", "--years", "2024-2025")
    assert ProfessionalProfile.objects.filter(unit__name__startswith="规模测试单位").count() == 120
    assert CreditEntry.objects.count() == 120 * 2 * 10
    assert PersonYearTotal.objects.filter(year=2025).count() == 120
    assert ledger_differences() == []
    compliant = PersonYearTotal.objects.filter(
        year=2025, public_hours__gte=30, professional_hours__gte=60
    ).count()
    assert 0 < compliant < 120  # most comply, some fall short


@pytest.mark.django_db
def test_xlsx_has_frozen_headers_and_hour_formats(
    client, hr_a, province, unit_a, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(hr_a)
    job = run(client, f"unit:{unit_a.pk}", eager_celery, django_capture_on_commit_callbacks)
    response = client.get(reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "xlsx"}))
    sheet = load_workbook(io.BytesIO(response.getvalue()))["人员"]
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "0.0"
    assert sheet.column_dimensions["B"].width >= 10


def test_pdf_keeps_the_largest_groups_and_sums_the_rest():
    from credits.reports import PDF_ROWS, pdf_rows

    rows = [
        {
            "label": f"单位{i}",
            "people": i,
            "compliant": i,
            "short_public": 0,
            "short_professional": 0,
            "short_both": 0,
            "rate": 100.0,
        }
        for i in range(1, 101)
    ]
    shown = pdf_rows(rows)
    assert len(shown) == PDF_ROWS
    assert shown[-1]["people"] == sum(range(1, 101 - (PDF_ROWS - 1)))
    assert "见Excel" in shown[-1]["label"]
    assert sum(r["people"] for r in shown) == sum(range(1, 101))


@pytest.mark.django_db
def test_department_admin_gets_masked_id_numbers_in_the_person_sheet(
    client, health_admin, province, unit_a, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(health_admin)
    job = run(client, f"unit:{unit_a.pk}", eager_celery, django_capture_on_commit_callbacks)
    response = client.get(reverse("credits:report_file", kwargs={"pk": job.pk, "kind": "xlsx"}))
    people = list(
        load_workbook(io.BytesIO(response.getvalue()))["人员"].iter_rows(
            min_row=2, values_only=True
        )
    )
    assert people and all("*" in row[1] for row in people)


@pytest.mark.django_db
def test_each_person_counts_once_for_the_unit_she_was_in_at_the_end_of_the_year(unit_a, unit_b):
    mover, stayer = make_professional(unit_a), make_professional(unit_a)
    waiting = make_professional(unit_a)
    waiting.profile.status = ReviewStatus.PENDING
    waiting.profile.save()
    move(mover, unit_a, unit_b)
    this_year = timezone.localdate().year

    def people(year, scope, target=None):
        job = ReportJob(year=year, scope=scope, **({scope: target} if target else {}))
        return report_compute(job)["total"]["people"]

    last_year = this_year - 1
    assert (people(last_year, "unit", unit_a), people(last_year, "unit", unit_b)) == (2, 0)
    assert (people(this_year, "unit", unit_a), people(this_year, "unit", unit_b)) == (1, 1)
    assert people(last_year, "province") == people(this_year, "province") == 2
    assert set(staff_of_unit_in_year(unit_a.pk, last_year)) == {mover, stayer}
    assert set(staff_of_unit_in_year(unit_a.pk, this_year)) == {stayer}
    assert set(staff_of_unit_in_year(unit_b.pk, this_year)) == {mover}
