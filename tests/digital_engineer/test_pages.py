"""The programme's pages: institution staff run a class; city HR acknowledge filings."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from digital_engineer.models import (
    Approval,
    CityPlan,
    InstitutionState,
    RosterFiling,
    Standard,
    TrainingClass,
)
from digital_engineer.services import RECORD_COLUMNS
from tests.factories import id_number_for, xlsx_upload
from tests.pdfs import pdf_text

CLASS = {
    "name": "人工智能初级班",
    "direction": "ai",
    "level": "junior",
    "kind": "open",
    "target_group": "graduates",
    "partner": "",
    "starts_on": "2025-05-01",
    "ends_on": "2025-06-30",
    "theory_hours": "64",
    "practice_hours": "64",
    "online_percent": "50",
    "capacity": "3",
}


@pytest.fixture
def staff_client(client, institution, institution_staff):
    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    client.force_login(institution_staff)
    return client


def action(client, klass, name, **data):
    url = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": name})
    return client.post(url, data, follow=True)


def open_class(staff_client, city) -> TrainingClass:
    staff_client.post(reverse("digital_engineer:classes"), {**CLASS, "city": city.pk})
    return TrainingClass.objects.get()


def enrol_with_results(staff_client, klass, person, hours=(64, 64), scores=(88, 75)):
    """Enrol `person` through the page and record attended hours and exam scores."""
    action(staff_client, klass, "enrol", id_number=person.id_number, real_name=person.real_name)
    trainee = klass.trainees.get(person=person)
    action(
        staff_client,
        klass,
        "record",
        trainee=trainee.pk,
        theory_attended=hours[0],
        practice_attended=hours[1],
        theory_score=scores[0],
        practice_score=scores[1],
    )
    return trainee


@pytest.mark.django_db
def test_a_class_from_opening_to_acknowledged_filing(
    client,
    staff_client,
    jinan,
    alice,
    jinan_hr,
    qingdao_hr,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    klass = open_class(staff_client, jinan)
    trainee = enrol_with_results(staff_client, klass, alice)
    with django_capture_on_commit_callbacks(execute=True):  # the worker renders the PDF
        action(staff_client, klass, "close")
    trainee.refresh_from_db()
    certificate = trainee.certificate
    pdf = staff_client.get(
        reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk})
    )
    content = b"".join(pdf.streaming_content)
    text = pdf_text(content)
    assert alice.real_name in text and certificate.serial in text
    page = action(staff_client, klass, "file", summary="")
    assert "须附培训总结" in page.content.decode()
    action(staff_client, klass, "file", summary="本期培训情况总结")
    filing = RosterFiling.objects.get()
    assert filing.status == "submitted"
    assert filing.due_on == datetime.date(2025, 7, 30)

    client.force_login(qingdao_hr)
    assert client.get(reverse("digital_engineer:class", kwargs={"pk": klass.pk})).status_code == 404
    client.force_login(jinan_hr)
    board = client.get(reverse("digital_engineer:board")).content.decode()
    assert klass.name in board
    client.post(reverse("digital_engineer:board"), {"filing": filing.pk, "decision": "acknowledge"})
    filing.refresh_from_db()
    assert filing.status == "acknowledged"
    verify = client.get(
        reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
    ).content.decode()
    assert alice.masked_id_number in verify and alice.id_number not in verify


@pytest.mark.django_db
def test_another_institution_cannot_touch_the_class(staff_client, client, jinan, qingdao):
    from portal.models import Membership, Role
    from tests.factories import InstitutionFactory, UserFactory

    klass = open_class(staff_client, jinan)
    other = UserFactory()
    Membership.objects.create(
        user=other, role=Role.INSTITUTION_STAFF, institution=InstitutionFactory(city=qingdao)
    )
    client.force_login(other)
    assert client.get(reverse("digital_engineer:class", kwargs={"pk": klass.pk})).status_code == 404
    url = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "close"})
    assert client.post(url).status_code == 404
    klass.refresh_from_db()
    assert klass.status == "open"


@pytest.mark.django_db
def test_city_hr_supervises_and_suspends_only_its_city(
    client, staff_client, institution, institution_staff, jinan, alice, jinan_hr, qingdao_hr
):
    klass = open_class(staff_client, jinan)
    enrol_with_results(staff_client, klass, alice, scores=(59, 90))

    client.force_login(qingdao_hr)
    url = reverse("digital_engineer:supervision")
    assert client.post(url, {"institution": institution.pk, "action": "suspend"}).status_code == 404
    client.force_login(jinan_hr)
    [row] = client.get(url).context["rows"]
    assert (row["classes"], row["trainees"], row["pass_rate"]) == (1, 1, 0.0)
    client.post(url, {"institution": institution.pk, "action": "suspend"})
    assert InstitutionState.objects.get(institution=institution).status == "suspended"
    client.force_login(institution_staff)  # the same test client, back as the institution
    page = action(staff_client, klass, "enrol", id_number=id_number_for(321), real_name="新人")
    assert "不在（或已移出）培训机构目录" in page.content.decode()
    assert klass.trainees.count() == 1


@pytest.mark.django_db
def test_reminders_mail_the_institution_inside_seven_days(
    staff_client, institution, institution_staff, jinan, alice
):
    from django.core import mail

    from digital_engineer.services import roster_reminders

    institution_staff.email = "jigou@example.cn"
    institution_staff.save()
    klass = open_class(staff_client, jinan)
    action(staff_client, klass, "enrol", id_number=alice.id_number, real_name=alice.real_name)
    action(staff_client, klass, "close")
    due = RosterFiling.objects.get().due_on
    assert roster_reminders(due - datetime.timedelta(days=8)) == 0
    assert roster_reminders(due - datetime.timedelta(days=7)) == 1
    assert mail.outbox[0].to == ["jigou@example.cn"]


@pytest.mark.django_db
def test_holders_roster_and_revocation(
    client, staff_client, institution_staff, jinan, alice, jinan_hr, province_hr
):
    from openpyxl import load_workbook

    klass = open_class(staff_client, jinan)
    trainee = enrol_with_results(staff_client, klass, alice, hours=(64, 64), scores=(70, 70))
    action(staff_client, klass, "close")
    action(staff_client, klass, "file", summary="总结")
    roster = load_workbook(RosterFiling.objects.get().roster.open("rb")).active
    rows = list(roster.iter_rows(values_only=True))
    assert rows[1][:3] == (alice.real_name, alice.id_number, 64)
    assert rows[1][6] == "合格"

    client.force_login(jinan_hr)
    url = reverse("digital_engineer:holders")
    certificate = trainee.certificate
    client.post(url, {"certificate": certificate.pk, "action": "service"})
    page = client.post(
        url, {"certificate": certificate.pk, "action": "revoke", "reason": "x"}, follow=True
    )
    assert "只有省人社厅可以撤销证书" in page.content.decode()
    export = client.get(url, {"format": "xlsx"})
    [_header, row] = list(
        load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
    )
    assert (row[0], row[6], row[7]) == (certificate.serial, "有效", "是")

    client.force_login(province_hr)
    form = client.get(url).content.decode()
    assert 'name="category"' in form and "弄虚作假" in form
    refused = client.post(
        url,
        {"certificate": certificate.pk, "action": "revoke", "reason": "考核材料不实"},
        follow=True,
    )
    assert "请选择撤销类别。" in refused.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    client.post(
        url,
        {
            "certificate": certificate.pk,
            "action": "revoke",
            "category": "falsified",
            "reason": "考核材料不实",
        },
    )
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "考核材料不实"
    assert certificate.revocation_category == "falsified"
    verify = client.get(
        reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
    ).content.decode()
    revoked_on = timezone.localdate(certificate.revoked_at)
    assert f"该证书已于{revoked_on:%Y-%m-%d}撤销（弄虚作假）" in verify
    assert "考核材料不实" not in verify  # the free-text reason stays in the records


@pytest.mark.django_db
def test_city_plan_shows_target_enrolled_and_certified(
    client, staff_client, institution_staff, jinan, alice, bob, jinan_hr, qingdao_hr
):

    klass = open_class(staff_client, jinan)
    for person, score in ((alice, 80), (bob, 50)):
        enrol_with_results(staff_client, klass, person, scores=(score, 80))
    action(staff_client, klass, "close")

    client.force_login(jinan_hr)
    data = city_plan_data()
    client.post(reverse("digital_engineer:city_plan_new"), data)
    plan = CityPlan.objects.get()
    [row] = client.get(reverse("digital_engineer:city_plan", kwargs={"pk": plan.pk})).context[
        "rows"
    ]
    assert (row["target"].target, row["enrolled"], row["certified"]) == (50, 2, 1)
    client.force_login(qingdao_hr)
    assert (
        client.get(reverse("digital_engineer:city_plan", kwargs={"pk": plan.pk})).status_code == 404
    )


def city_plan_data() -> dict:
    """A city plan for 2025 posted as the form does: 50 junior AI engineers."""
    return {
        "year": "2025",
        "groups": "先进制造业企业",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-direction": "ai",
        "targets-0-level": "junior",
        "targets-0-target": "50",
    }


def records_workbook(rows, header=RECORD_COLUMNS):
    return xlsx_upload(header, rows, "成绩.xlsx")


@pytest.mark.django_db
def test_hours_and_scores_upload_all_or_nothing(staff_client, jinan, alice, bob):
    klass = open_class(staff_client, jinan)
    for person in (alice, bob):
        action(staff_client, klass, "enrol", id_number=person.id_number, real_name=person.real_name)

    stranger = id_number_for(99)
    page = action(
        staff_client,
        klass,
        "upload",
        file=records_workbook(
            [
                (alice.id_number, 64, 64, 90, 80),
                (bob.id_number, 70, 10, 50, 50),
                (stranger, 1, 1, 1, 1),
            ]
        ),
    ).content.decode()
    assert "第3行" in page and "第4行" in page
    assert not klass.trainees.filter(theory_score__isnull=False).exists()

    page = action(
        staff_client,
        klass,
        "upload",
        file=records_workbook([(alice.id_number, 64, 64)], header=("姓名",)),
    ).content.decode()
    assert "身份证号、理论学时" in page

    action(
        staff_client,
        klass,
        "upload",
        file=records_workbook(
            [(alice.id_number, 64, 64, 90, 80), (bob.id_number.lower(), 60, 30, 40, None)]
        ),
    )
    scores = {t.person_id: (t.theory_attended, t.practice_score) for t in klass.trainees.all()}
    assert scores == {alice.pk: (64, 80), bob.pk: (60, None)}
    action(staff_client, klass, "close")
    assert klass.trainees.get(person=alice).certificate
    assert not hasattr(klass.trainees.get(person=bob), "certificate")


@pytest.mark.django_db
def test_provincial_hr_keeps_the_catalogue(client, institution, province_hr, jinan_hr):
    url = reverse("digital_engineer:catalogue")
    client.force_login(jinan_hr)
    assert client.get(url).status_code == 403

    client.force_login(province_hr)
    assert institution.name in client.get(url).content.decode()
    client.post(url, {"institution": institution.pk, "action": "list"})
    assert InstitutionState.objects.get(institution=institution).status == "listed"
    client.post(
        url,
        {"institution": institution.pk, "action": "approve", "direction": "ai", "level": "senior"},
    )
    client.post(
        url,
        {"institution": institution.pk, "action": "approve", "direction": "ai", "level": "mars"},
    )
    assert list(institution.approvals.values_list("level", flat=True)) == ["senior"]
    client.post(
        url,
        {"institution": institution.pk, "action": "withdraw", "direction": "ai", "level": "senior"},
    )
    assert not institution.approvals.exists()

    standard = Standard.objects.order_by("pk").first()
    before = (standard.training_hours, standard.subsidy)
    form = {"action": "standards", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1"}
    page = client.post(
        url,
        {**form, "form-0-id": standard.pk, "form-0-training_hours": "0", "form-0-subsidy": "-5"},
    ).content.decode()
    standard.refresh_from_db()
    assert (standard.training_hours, standard.subsidy) == before
    assert "text-danger" in page
    client.post(
        url,
        {**form, "form-0-id": standard.pk, "form-0-training_hours": "90", "form-0-subsidy": "1500"},
    )
    standard.refresh_from_db()
    assert (standard.training_hours, standard.subsidy) == (90, 1500)


@pytest.mark.django_db
def test_city_hr_comments_on_a_class_of_its_city(
    client, staff_client, institution_staff, jinan, jinan_hr, qingdao_hr
):
    klass = open_class(staff_client, jinan)
    url = reverse("digital_engineer:class_comment", kwargs={"pk": klass.pk})
    assert staff_client.post(url, {"text": "自评"}).status_code == 403

    client.force_login(qingdao_hr)
    assert client.post(url, {"text": "越权意见"}).status_code == 404
    client.force_login(jinan_hr)
    page = client.post(url, {"text": "   "}, follow=True).content.decode()
    assert "请填写意见" in page
    client.post(url, {"text": "实操课时安排偏少，请补充。"})
    assert list(klass.comments.values_list("text", flat=True)) == ["实操课时安排偏少，请补充。"]

    client.force_login(institution_staff)
    page = client.get(reverse("digital_engineer:class", kwargs={"pk": klass.pk})).content.decode()
    assert "实操课时安排偏少，请补充。" in page and jinan_hr.real_name in page


@pytest.mark.django_db
def test_a_new_trainee_is_enrolled_with_the_id_number_and_name_as_typed(
    staff_client, institution, jinan
):
    from portal.models import User

    klass = open_class(staff_client, jinan)
    number = id_number_for(322)
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    typed = f"{wide[:6]} {wide[6:14]} {wide[14:]}"
    page = action(staff_client, klass, "enrol", id_number=typed, real_name="阿依古丽•吐尔逊")
    assert "请输入身份证号" not in page.content.decode()
    person = User.objects.get(id_number=number)
    assert person.real_name == "阿依古丽·吐尔逊"
    assert klass.trainees.filter(person=person).exists()
