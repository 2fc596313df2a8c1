"""Base trainings (issue 16, item 2): a base proposes within its fields and period of
validity, its managing unit alone approves or returns, professionals enrol from the
public page up to the capacity, the base lists trainees from a file (all or
nothing), records attendance and results, and closing posts the hours once per
trainee who attended and passed — even when closing is clicked twice at once."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bases.models import Trainee, Training
from bases.services import (
    Proposal,
    TrainingError,
    training_close,
    training_decide,
    training_enrol,
    training_propose,
)
from credits.models import CreditEntry, PersonYearTotal, Source
from portal.models import AuditLog, Base, Membership, Role
from tests.conftest import race_behind_a_row_lock
from tests.factories import BaseFactory, UserFactory, make_member, make_professional, xlsx_upload

BEFORE = datetime.date(2025, 6, 1)  # the trainings below are open then
AFTER = datetime.date(2025, 6, 20)  # and have ended then
STARTS, ENDS = datetime.date(2025, 6, 10), datetime.date(2025, 6, 12)


def actor(user) -> Membership:
    return Membership.objects.get(user=user)


def proposal(**changes) -> Proposal:
    fields = {
        "title": "工业软件新技术研修班",
        "category": "professional",
        "field": "电子信息",
        "starts_on": STARTS,
        "ends_on": ENDS,
        "mode": Training.Mode.OFFLINE,
        "hours": Decimal("24"),
        "capacity": 30,
        "fee": Decimal("800"),
        "is_advanced_seminar": True,
        "description": "",
    }
    return Proposal(**{**fields, **changes})


def approved(base_staff, jinan_hr, **changes) -> Training:
    training = training_propose(actor=actor(base_staff), proposal=proposal(**changes))
    return training_decide(actor=actor(jinan_hr), training=training, approve=True)


def form_data(**changes) -> dict:
    data = {
        "title": "工业软件新技术研修班",
        "category": "professional",
        "field": "电子信息",
        "starts_on": "2025-06-10",
        "ends_on": "2025-06-12",
        "mode": "offline",
        "hours": "24",
        "capacity": "30",
        "fee": "0",
        "description": "",
    }
    return {**data, **changes}


# -- proposing and deciding -------------------------------------------------------------


def test_the_base_proposes_and_its_managing_unit_approves_it_onto_the_public_page(
    client, frozen, base, base_staff, jinan_hr
):
    frozen(BEFORE)
    client.force_login(base_staff)
    answer = client.post(reverse("bases:training_new"), form_data(is_advanced_seminar="on"))
    training = Training.objects.get()
    assert answer.url == reverse("bases:training", args=[training.pk])
    assert training.status == Training.Status.PROPOSED and training.is_advanced_seminar
    assert client.get(reverse("bases:public_training", args=[training.pk])).status_code == 404

    client.force_login(jinan_hr)
    queue = client.get(reverse("bases:approvals")).content.decode()
    assert "工业软件新技术研修班" in queue
    client.post(reverse("bases:decide", args=[training.pk]), {"decision": "approve"})
    training.refresh_from_db()
    assert training.status == Training.Status.APPROVED and training.decided_by == jinan_hr
    assert AuditLog.objects.filter(action="bases.training.approved", actor=jinan_hr).count() == 1

    client.logout()
    page = client.get(reverse("bases:public_list")).content.decode()
    assert base.name in page and "工业软件新技术研修班" in page
    assert "济南市人力资源和社会保障局" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("qingdao_hr", 404),
        ("health_admin", 404),
        ("hr_a", 404),
        ("province_hr", 403),
        ("base_staff", 403),
    ],
)
def test_nobody_but_the_managing_unit_decides(client, frozen, cast, who, status):
    frozen(BEFORE)
    training = training_propose(actor=actor(cast["base_staff"]), proposal=proposal())
    client.force_login(cast[who])
    answer = client.post(reverse("bases:decide", args=[training.pk]), {"decision": "approve"})
    assert answer.status_code == status
    training.refresh_from_db()
    assert training.status == Training.Status.PROPOSED and training.decided_by is None
    assert not AuditLog.objects.filter(action__startswith="bases.training.approved").exists()
    # The service refuses them as well, whatever page they come from.
    membership = Membership.objects.filter(user=cast[who]).first()
    with pytest.raises(TrainingError, match="管理单位"):
        training_decide(actor=membership, training=training, approve=True)


def test_a_return_needs_a_reason_and_the_returned_training_is_proposed_again(
    client, frozen, base_staff, jinan_hr
):
    frozen(BEFORE)
    training = training_propose(actor=actor(base_staff), proposal=proposal())
    client.force_login(jinan_hr)
    client.post(reverse("bases:decide", args=[training.pk]), {"decision": "return"})
    training.refresh_from_db()
    assert training.status == Training.Status.PROPOSED  # refused: no reason
    client.post(
        reverse("bases:decide", args=[training.pk]),
        {"decision": "return", "reason": "学时安排过密，请调整"},
    )
    training.refresh_from_db()
    assert training.status == Training.Status.RETURNED
    assert training.return_reason == "学时安排过密，请调整"

    client.force_login(base_staff)
    edit = reverse("bases:training_edit", args=[training.pk])
    assert "学时安排过密，请调整" in client.get(edit).content.decode()
    client.post(edit, form_data(hours="16", ends_on="2025-06-13"))
    training.refresh_from_db()
    assert training.status == Training.Status.PROPOSED and training.return_reason == ""
    assert training.hours == Decimal("16.0") and training.ends_on == datetime.date(2025, 6, 13)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_on": datetime.date(2020, 12, 30)}, "有效期"),
        ({"ends_on": datetime.date(2031, 1, 2)}, "有效期"),
        ({"field": "农业"}, "不是本基地的专业领域"),
        ({"ends_on": datetime.date(2025, 6, 9)}, "结束"),
        ({"hours": Decimal("0")}, "学时"),
        ({"capacity": 0}, "人数"),
    ],
)
def test_a_proposal_the_base_may_not_run_is_refused_and_nothing_written(
    frozen, base_staff, change, message
):
    frozen(BEFORE)
    with pytest.raises(TrainingError, match=message):
        training_propose(actor=actor(base_staff), proposal=proposal(**change))
    assert not Training.objects.exists()
    assert not AuditLog.objects.filter(action="bases.training.proposed").exists()


def test_a_suspended_base_proposes_nothing_and_the_form_says_why(client, frozen, base, base_staff):
    frozen(BEFORE)
    Base.objects.filter(pk=base.pk).update(status=Base.Status.SUSPENDED)
    client.force_login(base_staff)
    page = client.post(reverse("bases:training_new"), form_data()).content.decode()
    assert "暂停" in page and "不能申报培训" in page
    assert not Training.objects.exists()


def test_a_base_whose_validity_has_ended_proposes_nothing(frozen, base, base_staff):
    frozen(BEFORE)
    Base.objects.filter(pk=base.pk).update(valid_until=datetime.date(2025, 5, 31))
    within = proposal(starts_on=datetime.date(2025, 5, 20), ends_on=datetime.date(2025, 5, 22))
    with pytest.raises(TrainingError, match="有效期已于2025-05-31届满"):
        training_propose(actor=actor(base_staff), proposal=within)
    assert not Training.objects.exists()


@pytest.mark.parametrize("status", [Base.Status.SUSPENDED, Base.Status.REVOKED])
def test_a_suspended_or_revoked_base_takes_no_trainee_and_gets_no_approval(
    client, frozen, base, base_staff, jinan_hr, alice, bob, status
):
    frozen(BEFORE)
    running = approved(base_staff, jinan_hr)
    waiting = training_propose(actor=actor(base_staff), proposal=proposal(title="待审"))
    Base.objects.filter(pk=base.pk).update(status=status)

    with pytest.raises(TrainingError, match="不能开展培训"):
        training_enrol(person=alice, training=running)
    client.force_login(base_staff)
    upload = xlsx_upload(HEADER, [(bob.id_number, "鲍勃")])
    page = client.post(trainees_url(running), {"action": "upload", "file": upload})
    assert "不能开展培训" in page.content.decode()
    assert not Trainee.objects.exists()

    with pytest.raises(TrainingError, match="不能开展培训"):
        training_decide(actor=actor(jinan_hr), training=waiting, approve=True)
    waiting.refresh_from_db()
    assert waiting.status == Training.Status.PROPOSED
    # Returning it to the base stays possible.
    training_decide(actor=actor(jinan_hr), training=waiting, approve=False, reason="基地整改中")
    waiting.refresh_from_db()
    assert waiting.status == Training.Status.RETURNED


# -- enrolment --------------------------------------------------------------------------


def test_a_professional_enrols_from_the_public_page_once(
    client, frozen, base_staff, jinan_hr, alice
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr)
    url = reverse("bases:public_training", args=[training.pk])
    anonymous = client.get(url).content.decode()
    assert f"{reverse('portal:login')}?next={url}" in anonymous

    client.force_login(alice)
    assert reverse("bases:enrol", args=[training.pk]) in client.get(url).content.decode()
    answer = client.post(reverse("bases:enrol", args=[training.pk]), follow=True)
    assert "已报名" in answer.content.decode()
    again = client.post(reverse("bases:enrol", args=[training.pk]), follow=True)
    assert "您已报名该培训" in again.content.decode()
    assert Trainee.objects.filter(training=training, person=alice, via="self").count() == 1


def test_no_enrolment_beyond_capacity_after_closing_or_before_approval(
    frozen, base_staff, jinan_hr, alice, bob
):
    frozen(BEFORE)
    full = approved(base_staff, jinan_hr, capacity=1)
    training_enrol(person=alice, training=full)
    with pytest.raises(TrainingError, match="名额已满"):
        training_enrol(person=bob, training=full)
    proposed = training_propose(actor=actor(base_staff), proposal=proposal(title="待审核的"))
    with pytest.raises(TrainingError, match="尚未"):
        training_enrol(person=bob, training=proposed)
    Training.objects.filter(pk=full.pk).update(status=Training.Status.CLOSED, capacity=5)
    with pytest.raises(TrainingError, match="已结项"):
        training_enrol(person=bob, training=full)
    assert list(Trainee.objects.values_list("person", flat=True)) == [alice.pk]


# -- listing trainees from a file --------------------------------------------------------

HEADER = ["身份证号", "姓名"]


def trainees_url(training):
    return reverse("bases:trainees", args=[training.pk])


def test_the_base_lists_trainees_as_people_type_them(
    client, frozen, base_staff, jinan_hr, alice, bob
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr)
    client.force_login(base_staff)
    page = client.get(trainees_url(training)).content.decode()
    assert reverse("bases:trainees_template") in page
    template = client.get(reverse("bases:trainees_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/")

    full_width = alice.id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    rows = [(full_width, " 艾 丽丝 ")]
    client.post(trainees_url(training), {"action": "upload", "file": xlsx_upload(HEADER, rows)})
    # A CSV saved by Excel on a Chinese Windows (GBK), with bob, and alice again.
    text = f"身份证号,姓名\r\n{bob.id_number},鲍勃\r\n{alice.id_number},艾丽丝\r\n"
    csv = SimpleUploadedFile("名单.csv", text.encode("gbk"), content_type="text/csv")
    answer = client.post(trainees_url(training), {"action": "upload", "file": csv}, follow=True)
    assert "已登记学员 1 人；1 人已在名单中" in answer.content.decode()
    listed = Trainee.objects.filter(training=training, via="base")
    assert sorted(listed.values_list("person", flat=True)) == sorted([alice.pk, bob.pk])


def test_one_bad_row_refuses_the_whole_file(client, frozen, base_staff, jinan_hr, alice, bob):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr, capacity=2)
    stranger = UserFactory()  # an account without a professional's registration
    rows = [
        (alice.id_number, "艾丽丝"),  # fine
        ("370102198506150014", "张三"),  # bad check digit
        (stranger.id_number, stranger.real_name),  # not a registered professional
        (bob.id_number, "鲍勃勃"),  # the name does not match
    ]
    client.force_login(base_staff)
    page = client.post(
        trainees_url(training), {"action": "upload", "file": xlsx_upload(HEADER, rows)}
    ).content.decode()
    for row in (3, 4, 5):
        assert f"第{row}行" in page
    assert "第2行" not in page
    assert not Trainee.objects.exists()

    third = make_professional(bob.profile.unit, real_name="第三人")
    rows = [(alice.id_number, "艾丽丝"), (bob.id_number, "鲍勃"), (third.id_number, "第三人")]
    page = client.post(
        trainees_url(training), {"action": "upload", "file": xlsx_upload(HEADER, rows)}
    ).content.decode()
    assert "第4行" in page and "人数上限" in page
    assert not Trainee.objects.exists()
    assert not AuditLog.objects.filter(action="bases.trainee.listed").exists()


# -- results and closing ----------------------------------------------------------------


def test_closing_twice_credits_each_passing_trainee_once(
    client, frozen, base_staff, jinan_hr, alice, bob
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr, category="public", hours=Decimal("12.5"))
    training_enrol(person=alice, training=training)
    training_enrol(person=bob, training=training)
    frozen(AFTER)
    client.force_login(base_staff)
    close = reverse("bases:close", args=[training.pk])
    pending = client.post(close, follow=True).content.decode()
    assert "请先录入每位学员的结果" in pending
    assert training.trainees.get(person=alice).credit is None

    alice_row, bob_row = training.trainees.get(person=alice), training.trainees.get(person=bob)
    client.post(
        trainees_url(training),
        {
            "trainee": [alice_row.pk, bob_row.pk],
            "attended": [alice_row.pk, bob_row.pk],  # bob came and failed
            f"result-{alice_row.pk}": "passed",
            f"result-{bob_row.pk}": "failed",
        },
    )
    assert "12.5" in client.get(close).content.decode()  # the confirmation step
    client.post(close)
    second = client.post(close, follow=True).content.decode()
    assert "该培训已结项，学时已登记一次，未作任何更改。" in second

    entries = CreditEntry.objects.filter(source=Source.BASE_TRAINING)
    assert list(entries.values_list("person", "year", "category", "hours")) == [
        (alice.pk, 2025, "public", Decimal("12.5"))
    ]
    alice_row.refresh_from_db()
    assert alice_row.credit == entries.get()
    assert entries.get().source_ref == f"base-trainee:{alice_row.pk}"
    total = PersonYearTotal.objects.get(person=alice, year=2025)
    assert total.public_hours == Decimal("12.5")
    assert not PersonYearTotal.objects.filter(person=bob, year=2025).exists()
    assert AuditLog.objects.filter(action="bases.training.closed").count() == 1


def test_a_trainee_s_result_reads_qualified_or_not_qualified(
    client, frozen, base_staff, jinan_hr, alice
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr)
    training_enrol(person=alice, training=training)
    client.force_login(base_staff)
    page = client.get(trainees_url(training)).content.decode()
    assert ">合格</option>" in page and ">不合格</option>" in page
    assert ">失败</option>" not in page and ">通过</option>" not in page  # a job's words
    assert Trainee(result=Trainee.Result.FAILED).get_result_display() == "不合格"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_enrolments_and_closings_stay_within_capacity_and_credit_once(
    frozen, base_staff, jinan_hr, alice, bob
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr, capacity=1)
    results = race_behind_a_row_lock(
        Training,
        training.pk,
        [
            lambda: training_enrol(person=alice, training=training),
            lambda: training_enrol(person=bob, training=training),
        ],
    )
    assert sorted(type(r).__name__ for r in results) == ["Trainee", "TrainingError"]
    assert Trainee.objects.filter(training=training).count() == 1
    Trainee.objects.filter(training=training).update(attended=True, result="passed")

    frozen(AFTER)
    staff = actor(base_staff)
    close = lambda: training_close(actor=staff, training=training)  # noqa: E731
    results = race_behind_a_row_lock(Training, training.pk, [close, close])
    assert sorted(type(r).__name__ for r in results) == ["TrainingError", "int"]
    assert CreditEntry.objects.filter(source=Source.BASE_TRAINING).count() == 1
    assert AuditLog.objects.filter(action="bases.training.closed").count() == 1


# -- scope ------------------------------------------------------------------------------


def test_staff_of_another_base_get_404_on_this_base_s_trainings(
    client, frozen, base_staff, jinan_hr, jinan
):
    frozen(BEFORE)
    training = approved(base_staff, jinan_hr)
    other = make_member(
        Role.BASE_STAFF, UserFactory(), base=BaseFactory(name="另一个基地", managing_city=jinan)
    )
    client.force_login(other)
    for name in ("training", "training_edit", "trainees", "close"):
        assert client.get(reverse(f"bases:{name}", args=[training.pk])).status_code == 404
    assert client.post(reverse("bases:close", args=[training.pk])).status_code == 404
    assert "工业软件新技术研修班" not in client.get(reverse("bases:trainings")).content.decode()
    assert Training.objects.get().status == Training.Status.APPROVED


def test_base_staff_home_shows_the_base_and_its_figures(client, frozen, base_staff, jinan_hr):
    frozen(BEFORE)
    approved(base_staff, jinan_hr)
    training_propose(actor=actor(base_staff), proposal=proposal(title="待审"))
    client.force_login(base_staff)
    home = client.get(reverse("portal:role_home", args=["base_staff"])).content.decode()
    assert "济南测试继续教育基地" in home and reverse("bases:home_figures") in home
    figures = client.get(reverse("bases:home_figures")).content.decode()
    assert figures.count('<div class="fs-3 fw-semibold">1</div>') == 2  # proposed, open


def test_the_managing_units_homes_link_to_their_queue_and_nobody_else_s(
    client, base, hr_a, unit_a, health_admin, health, jinan_hr
):
    def home_of(person) -> str:
        client.force_login(person)
        role = Membership.objects.get(user=person).role
        return client.get(reverse("portal:role_home", args=[role])).content.decode()

    assert reverse("bases:approvals") in home_of(jinan_hr)  # it manages `base`
    for person in (hr_a, health_admin):  # they manage no base: no such panel
        assert reverse("bases:approvals") not in home_of(person)
    BaseFactory(name="卫生健康基地", managing_city=None, managing_authority=health)
    BaseFactory(name="单位管理的基地", managing_city=None, managing_unit=unit_a)
    for person in (hr_a, health_admin):
        assert reverse("bases:approvals") in home_of(person)


def test_the_trainings_filters_offer_a_base_only_to_who_sees_several(
    client, frozen, base_staff, jinan_hr, province_hr
):
    frozen(BEFORE)
    approved(base_staff, jinan_hr)
    url = reverse("bases:trainings")
    client.force_login(base_staff)
    own = client.get(url, {"status": "bogus"})
    assert 'name="base"' not in own.content.decode()
    assert 'name="status"' in own.content.decode()
    (error,) = own.context["form"].errors["status"]
    assert f'<div class="small text-danger">{error}</div>' in own.content.decode()  # beside it
    client.force_login(province_hr)
    assert 'name="base"' in client.get(url).content.decode()
