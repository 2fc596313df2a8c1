"""The programme's pages say what they mean: 班级名称, 添加学员, 开放班, 培训计划, and the
audit log names what happened to an institution."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from digital_engineer.models import Approval, InstitutionState
from portal.models import AuditLog
from tests.digital_engineer.test_pages import open_class


@pytest.fixture
def staff_client(client, institution, institution_staff):
    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    client.force_login(institution_staff)
    return client


@pytest.mark.django_db
def test_class_list_names_its_column_class_name(staff_client, jinan):
    open_class(staff_client, jinan)
    page = staff_client.get(reverse("digital_engineer:classes")).content.decode()
    header = re.search(r'data-testid="classes">\s*<thead><tr><th>(.*?)</th>', page)
    assert header and header.group(1) == "班级名称"


@pytest.mark.django_db
def test_class_kind_open_reads_open_class_and_status_still_in_progress(
    staff_client, jinan, monkeypatch
):
    page = staff_client.get(reverse("digital_engineer:classes")).content.decode()
    assert '<option value="open">开放班</option>' in page
    assert '<option value="open">进行中</option>' not in page

    klass = open_class(staff_client, jinan)
    while_it_runs = timezone.make_aware(datetime.datetime.combine(klass.ends_on, datetime.time(9)))
    monkeypatch.setattr(timezone, "now", lambda: while_it_runs)
    listing = staff_client.get(reverse("digital_engineer:classes")).content.decode()
    assert 'data-testid="class-status">进行中</td>' in listing  # the status of a running class


@pytest.mark.django_db
def test_class_page_adds_a_trainee_not_a_course(staff_client, jinan):
    klass = open_class(staff_client, jinan)
    page = staff_client.get(reverse("digital_engineer:class", args=[klass.pk])).content.decode()
    assert ">添加学员</button>" in page
    assert ">选课</button>" not in page


@pytest.mark.django_db
def test_city_plans_page_offers_a_new_training_plan(client, jinan_hr):
    client.force_login(jinan_hr)
    page = client.get(reverse("digital_engineer:city_plans")).content.decode()
    assert "新建培训计划" in page
    assert "学习方案" not in page


def _audit_actions():
    return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


@pytest.mark.django_db
def test_listing_an_institution_is_audited_as_listed(client, institution, province_hr, jinan_hr):
    catalogue = reverse("digital_engineer:catalogue")
    supervision = reverse("digital_engineer:supervision")
    client.force_login(province_hr)
    client.post(catalogue, {"institution": institution.pk, "action": "list"})
    assert _audit_actions() == ["digital_engineer.institution.listed"]
    assert AuditLog.objects.get().action_label == "培训机构列入目录"

    client.force_login(jinan_hr)
    client.post(supervision, {"institution": institution.pk, "action": "suspend"})
    client.post(supervision, {"institution": institution.pk, "action": "reinstate"})
    assert _audit_actions() == [
        "digital_engineer.institution.listed",
        "digital_engineer.institution.suspended",
        "digital_engineer.institution.reinstated",
    ]
    assert InstitutionState.objects.get(institution=institution).status == "listed"


@pytest.mark.django_db
def test_listing_a_listed_institution_again_writes_nothing(client, institution, province_hr):
    InstitutionState.objects.create(institution=institution, status="listed")
    client.force_login(province_hr)
    client.post(
        reverse("digital_engineer:catalogue"), {"institution": institution.pk, "action": "list"}
    )
    assert _audit_actions() == []


@pytest.mark.django_db
def test_every_class_kind_reads_as_a_kind_of_class(staff_client):
    page = staff_client.get(reverse("digital_engineer:classes")).content.decode()
    for kind in ("开放班", "订单班", "订制班", "定向班"):
        assert f">{kind}</option>" in page


@pytest.mark.django_db
def test_the_catalogue_lists_levels_from_junior_to_senior(client, institution, province_hr):
    for level in ("senior", "intermediate", "junior"):
        Approval.objects.get_or_create(institution=institution, direction="ai", level=level)
    client.force_login(province_hr)
    page = client.get(reverse("digital_engineer:catalogue")).content.decode()
    standards = page[page.index('name="form-0-id"') :]
    ai_row = re.search(r"人工智能.*?</tr>", page, re.S).group(0)
    assert ai_row.index("初级") < ai_row.index("中级") < ai_row.index("高级")
    first_levels = re.findall(r"<td>(初级|中级|高级)</td>", standards)[:3]
    assert first_levels == ["初级", "中级", "高级"]
