"""A class's name is free text; its roster must file whatever the name holds.

Excel refuses `[]:*?/\\` in a sheet title, and the roster's sheet is named after the
class: a class called "云计算:运维?班" used to fail at filing with "请输入整数"."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from digital_engineer.models import RosterFiling, TrainingClass
from tests.digital_engineer.test_pages import CLASS, action, enrol_with_results, staff_client  # noqa: F401


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("云计算:运维?班", "云计算_运维_班"),
        ("Java/Python [周末] 班*", "Java_Python _周末_ 班_"),
        ("大数据\\人工智能融合应用工程技术人员培训班第一期（济南）", None),
    ],
)
@pytest.mark.django_db
def test_a_class_named_with_forbidden_characters_files_its_roster(
    staff_client,  # noqa: F811
    jinan,
    alice,
    name,
    title,
):
    staff_client.post(
        reverse("digital_engineer:classes"), {**CLASS, "name": name, "city": jinan.pk}
    )
    klass = TrainingClass.objects.get()
    assert klass.name == name
    enrol_with_results(staff_client, klass, alice)
    action(staff_client, klass, "close")

    page = action(staff_client, klass, "file", summary="本期培训情况总结").content.decode()

    assert "请输入整数" not in page
    assert "已保存" in page
    filing = RosterFiling.objects.get(training_class=klass)
    assert filing.status == "submitted"
    workbook = load_workbook(io.BytesIO(filing.roster.open("rb").read()))
    [sheet] = workbook.worksheets
    assert len(sheet.title) <= 31
    assert not set(sheet.title) & set("[]:*?/\\")
    if title:
        assert sheet.title == title
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["姓名", alice.real_name]


@pytest.mark.django_db
def test_a_score_that_is_not_a_whole_number_still_asks_for_whole_numbers(
    staff_client,  # noqa: F811
    jinan,
    alice,
):
    staff_client.post(reverse("digital_engineer:classes"), {**CLASS, "city": jinan.pk})
    klass = TrainingClass.objects.get()
    trainee = enrol_with_results(staff_client, klass, alice, scores=(80, 80))
    page = action(
        staff_client,
        klass,
        "record",
        trainee=trainee.pk,
        theory_attended=64,
        practice_attended=64,
        theory_score="59.9",
        practice_score=80,
    ).content.decode()
    assert "请输入整数。" in page
    trainee.refresh_from_db()
    assert trainee.theory_score == 80
