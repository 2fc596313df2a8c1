"""Issue 18 in the programme's pages: every view declares its guard, an id that is
not an id answers 404 (never a 500), every change a user makes through these pages
is audited, and the worker's jobs keep their names and run once a day."""

import datetime
import logging

import pytest
from django.core import mail
from django.urls import reverse

from digital_engineer.models import (
    Approval,
    CityPlan,
    InstitutionState,
    RosterReminder,
    Standard,
    TrainingCertificate,
    TrainingClass,
)
from digital_engineer.services import ProgrammeError, class_close
from portal.actions import Refused
from portal.models import AuditLog
from tests.digital_engineer.test_pages import city_plan_data
from tests.factories import make_training_certificate, make_training_class, xlsx_upload

NOT_IDS = ["²", "１", "abc", "-1", "0", "1" * 20, ""]
DUE = datetime.date(2025, 7, 30)  # the factory's classes end on 30 June 2025


@pytest.fixture
def staff_client(client, institution, institution_staff):
    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    client.force_login(institution_staff)
    return client


def actions():
    return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


def test_a_refusal_of_the_programme_is_the_one_refusal_views_handle():
    assert issubclass(ProgrammeError, Refused)


@pytest.mark.django_db
@pytest.mark.parametrize("posted", NOT_IDS)
def test_a_posted_id_that_is_no_id_names_nothing(
    posted, client, staff_client, institution, jinan, alice, jinan_hr, province_hr
):
    klass = make_training_class(institution, jinan)
    record = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "record"})
    assert staff_client.post(record, {"trainee": posted, "theory_attended": "1"}).status_code == 404

    client.force_login(jinan_hr)
    board = reverse("digital_engineer:board")
    assert client.post(board, {"filing": posted, "decision": "acknowledge"}).status_code == 404
    supervision = reverse("digital_engineer:supervision")
    assert client.post(supervision, {"institution": posted, "action": "suspend"}).status_code == 404
    holders = reverse("digital_engineer:holders")
    assert client.post(holders, {"certificate": posted, "action": "service"}).status_code == 404

    client.force_login(province_hr)
    catalogue = reverse("digital_engineer:catalogue")
    assert client.post(catalogue, {"institution": posted, "action": "list"}).status_code == 404
    assert InstitutionState.objects.get(institution=institution).status == "listed"
    assert actions() == ["digital_engineer.class.opened"]


@pytest.mark.django_db
def test_an_unknown_button_of_the_class_page_names_nothing(staff_client, institution, jinan):
    klass = make_training_class(institution, jinan)
    url = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "explode"})
    assert staff_client.post(url).status_code == 404


@pytest.mark.django_db
def test_scores_that_are_no_whole_numbers_are_refused_on_the_page(
    staff_client, institution, jinan, alice
):
    klass = make_training_class(institution, jinan)
    action = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "enrol"})
    staff_client.post(action, {"id_number": alice.id_number, "real_name": alice.real_name})
    trainee = klass.trainees.get()
    record = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "record"})
    page = staff_client.post(
        record, {"trainee": trainee.pk, "theory_attended": "²", "theory_score": "abc"}, follow=True
    )
    assert "请输入整数" in page.content.decode()
    trainee.refresh_from_db()
    assert (trainee.theory_attended, trainee.theory_score) == (0, None)


@pytest.mark.django_db
def test_each_change_on_the_class_page_is_in_the_audit_log(
    client, staff_client, institution, institution_staff, jinan, alice, jinan_hr
):
    from digital_engineer.services import RECORD_COLUMNS

    staff_client.post(
        reverse("digital_engineer:classes"),
        {
            "name": "人工智能初级班",
            "direction": "ai",
            "level": "junior",
            "kind": "open",
            "target_group": "graduates",
            "city": jinan.pk,
            "starts_on": "2025-05-01",
            "ends_on": "2025-06-30",
            "theory_hours": "64",
            "practice_hours": "64",
            "online_percent": "50",
            "capacity": "3",
        },
    )
    klass = TrainingClass.objects.get()

    def act(name, **data):
        url = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": name})
        return staff_client.post(url, data, follow=True)

    act("enrol", id_number=alice.id_number, real_name=alice.real_name)
    trainee = klass.trainees.get()
    act("record", trainee=trainee.pk, theory_attended=64, practice_attended=64)
    upload = xlsx_upload(RECORD_COLUMNS, [(alice.id_number, 64, 64, 90, 80)], "成绩.xlsx")
    page = act("upload", file=upload)
    assert "已保存" in page.content.decode()
    client.force_login(jinan_hr)
    client.post(reverse("digital_engineer:class_comment", kwargs={"pk": klass.pk}), {"text": "好"})
    assert actions() == [
        "digital_engineer.class.opened",
        "digital_engineer.trainee.enrolled",
        "digital_engineer.trainee.recorded",
        "digital_engineer.trainee.records_uploaded",
        "digital_engineer.class.commented",
    ]
    by = list(AuditLog.objects.order_by("pk").values_list("actor_id", flat=True))
    assert by == [institution_staff.pk] * 4 + [jinan_hr.pk]


@pytest.mark.django_db
def test_a_refused_upload_writes_nothing_and_audits_nothing(staff_client, institution, jinan):
    from digital_engineer.services import RECORD_COLUMNS
    from tests.factories import id_number_for

    klass = make_training_class(institution, jinan)
    url = reverse("digital_engineer:class_action", kwargs={"pk": klass.pk, "action": "upload"})
    upload = xlsx_upload(RECORD_COLUMNS, [(id_number_for(98), 1, 1, 1, 1)], "成绩.xlsx")
    page = staff_client.post(url, {"file": upload}, follow=True).content.decode()
    assert "第2行" in page
    assert actions() == ["digital_engineer.class.opened"]


@pytest.mark.django_db
def test_marking_a_service_request_is_audited_both_ways(
    client, institution, jinan, alice, jinan_hr
):
    certificate = make_training_certificate(institution, jinan, alice)
    client.force_login(jinan_hr)
    url = reverse("digital_engineer:holders")
    client.post(url, {"certificate": certificate.pk, "action": "service"})
    certificate.refresh_from_db()
    assert certificate.service_requested_at is not None
    client.post(url, {"certificate": certificate.pk, "action": "service"})
    certificate.refresh_from_db()
    assert certificate.service_requested_at is None
    assert actions()[-2:] == [
        "digital_engineer.certificate.service_requested",
        "digital_engineer.certificate.service_request_cleared",
    ]


@pytest.mark.django_db
def test_only_provincial_hr_is_offered_and_allowed_the_revocation(
    client, institution, jinan, alice, jinan_hr, province_hr
):
    certificate = make_training_certificate(institution, jinan, alice)
    url = reverse("digital_engineer:holders")
    client.force_login(jinan_hr)
    assert 'value="revoke"' not in client.get(url).content.decode()
    client.force_login(province_hr)
    assert 'value="revoke"' in client.get(url).content.decode()
    client.force_login(jinan_hr)
    page = client.post(
        url,
        {"certificate": certificate.pk, "action": "revoke", "category": "falsified", "reason": "x"},
        follow=True,
    ).content.decode()
    assert "只有省人社厅可以撤销证书" in page
    assert not TrainingCertificate.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_city_plan_is_saved_once_a_year_and_audited(client, jinan, jinan_hr, province_hr):
    data = city_plan_data()
    client.force_login(jinan_hr)
    new = reverse("digital_engineer:city_plan_new")
    client.post(new, data)
    plan = CityPlan.objects.get()
    assert plan.targets.get().target == 50
    page = client.post(new, data).content.decode()
    assert "本市该年度已有培训计划。" in page
    assert CityPlan.objects.count() == 1
    assert actions() == ["digital_engineer.city_plan.saved"]
    listing = client.get(reverse("digital_engineer:city_plans")).content.decode()
    assert reverse("digital_engineer:city_plan_new") in listing

    client.force_login(province_hr)  # reads the plans, writes none
    listing = client.get(reverse("digital_engineer:city_plans")).content.decode()
    assert reverse("digital_engineer:city_plan_new") not in listing
    edit = reverse("digital_engineer:city_plan_edit", kwargs={"pk": plan.pk})
    assert client.get(edit).status_code == 403


@pytest.mark.django_db
def test_the_catalogue_standards_are_saved_with_an_audit_entry(client, province_hr):
    standard = Standard.objects.order_by("pk").first()
    client.force_login(province_hr)
    client.post(
        reverse("digital_engineer:catalogue"),
        {
            "action": "standards",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": standard.pk,
            "form-0-training_hours": "90",
            "form-0-subsidy": "1500",
        },
    )
    entry = AuditLog.objects.get()
    assert entry.action == "digital_engineer.standards.changed"
    assert entry.payload == {"standards": [standard.pk]}


# --- The worker's jobs ------------------------------------------------------------


def test_the_tasks_keep_their_registered_names():
    from django.conf import settings

    from digital_engineer import tasks
    from portal.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "digital_engineer.tasks.remind_roster_filings" in scheduled
    assert tasks.remind_roster_filings.name == "digital_engineer.tasks.remind_roster_filings"
    assert (
        tasks.render_training_certificate.name
        == "digital_engineer.tasks.render_training_certificate"
    )
    app.loader.import_default_modules()
    assert "digital_engineer.tasks.remind_roster_filings" in app.tasks
    assert "digital_engineer.tasks.render_training_certificate" in app.tasks


@pytest.fixture
def mailed_staff(institution_staff):
    institution_staff.email = "jigou@example.cn"
    institution_staff.save()
    return institution_staff


@pytest.mark.django_db
def test_the_daily_reminder_job_run_twice_on_one_day_mails_once(
    mailed_staff, institution, jinan, frozen
):
    from digital_engineer import tasks  # noqa: F401  (as the worker's autodiscovery does)
    from portal.celery import app

    class_close(training_class=make_training_class(institution, jinan), closed_by=None)
    job = app.tasks["digital_engineer.tasks.remind_roster_filings"]
    frozen(DUE + datetime.timedelta(days=1))
    assert job.apply().get() == 1
    assert job.apply().get() == 0  # the beat fired twice, or a worker ran it again
    assert len(mail.outbox) == 1
    assert RosterReminder.objects.get().sent_on == DUE + datetime.timedelta(days=1)
    frozen(DUE + datetime.timedelta(days=2))
    assert job.apply().get() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_reminder_that_fails_to_go_is_logged_with_its_filings(
    mailed_staff, institution, jinan, frozen, settings, caplog
):
    from digital_engineer.services import roster_reminders

    klass = make_training_class(institution, jinan)
    class_close(training_class=klass, closed_by=None)
    settings.EMAIL_BACKEND = "tests.digital_engineer.test_one_way_in.BrokenMailBackend"
    day = DUE + datetime.timedelta(days=1)
    with caplog.at_level(logging.ERROR, logger="digital_engineer.services"):
        assert roster_reminders(day) == 0
    [record] = [r for r in caplog.records if r.name == "digital_engineer.services"]
    assert f"institution {institution.pk}" in record.getMessage()
    assert f"[{klass.filing.pk}]" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is ConnectionRefusedError
    # The day's claim stands: the job does not try again until the next day.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert roster_reminders(day) == 0
    assert roster_reminders(day + datetime.timedelta(days=1)) == 1


class BrokenMailBackend:
    """An SMTP server that refuses the connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")
