"""Demo trainings of the demo base (called by `manage.py seed_demo`, after
portal.demo made the base and its staff login): one closed, with its hours posted
(李华, the demo professional, sees them on 我的学时), one approved and open on the
public page with a few trainees, and one awaiting the approval of 济南 city HR (the
demo city HR login); last year, one closed training and provincial HR's evaluation
of the base (the board opens on last year). Created once each (trainings by title,
the evaluation by base and year), so that a second run changes nothing: through the
services, except the proposal and approval of the trainings that have taken place
already — the services take only trainings that start after today — which are
written as rows approved before they started (_ran_and_closed), as the base would have
had them agreed then; their trainees, results and closing go through the services."""

import datetime
from dataclasses import asdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bases.evaluation import (
    bases_with_indicators,
    evaluation_save,
    figure_values,
    grade_reached,
    suggested_points,
)
from bases.models import Evaluation, Trainee, Training
from bases.services import (
    Proposal,
    trainees_record,
    training_close,
    training_decide,
    training_enrol,
    training_propose,
)
from credits.services import ruled_years
from portal.models import Base, Membership, Role, User

CLOSED_TITLE = "工业互联网与智能制造新技术研修（已结业）"
OPEN_TITLE = "新一代信息技术赋能制造业高级研修班"
PROPOSED_TITLE = "基层卫生健康专业技术人员能力提升培训"
LAST_YEAR_TITLE = "工业软件与数字孪生应用研修班"
DEMO_PROFESSIONAL_PHONE = "13800000001"  # 李华
CROWD = [f"139{n:08d}" for n in (3, 11, 19, 27)]  # demo professionals of portal.demo


def _proposal(
    title,
    category,
    field,
    starts_on,
    ends_on,
    *,
    mode=Training.Mode.OFFLINE,
    hours="24",
    capacity=60,
    fee="0",
    is_advanced_seminar=False,
    description="",
) -> Proposal:
    return Proposal(
        title=title,
        category=category,
        field=field,
        starts_on=starts_on,
        ends_on=ends_on,
        mode=mode,
        hours=Decimal(hours),
        capacity=capacity,
        fee=Decimal(fee),
        is_advanced_seminar=is_advanced_seminar,
        description=description,
    )


def _ran_and_closed(
    staff: Membership, decider: Membership, proposal: Proposal, people: list, last: tuple
) -> Training:
    """A training that has taken place, as its base proposed it a month and its
    managing unit approved it two weeks before it started (services.training_propose
    and training_decide take only trainings starting after today), with `people` as
    trainees who attended and passed — but the last of three or more, whose
    (attended, result) is `last` — recorded and closed through the services."""
    starts = timezone.make_aware(datetime.datetime.combine(proposal.starts_on, datetime.time(10)))
    training = Training.objects.create(
        base=staff.base,
        **asdict(proposal),
        status=Training.Status.APPROVED,
        proposed_by=staff.user,
        decided_by=decider.user,
        decided_at=starts - datetime.timedelta(days=14),
    )
    Training.objects.filter(pk=training.pk).update(proposed_at=starts - datetime.timedelta(days=30))
    Trainee.objects.bulk_create(
        [Trainee(training=training, person=p, via=Trainee.Via.BASE) for p in people]
    )
    rows = list(training.trainees.order_by("pk"))
    records = {t.pk: (True, Trainee.Result.PASSED) for t in rows}
    if len(rows) > 2:
        records[rows[-1].pk] = last
    trainees_record(actor=staff, training=training, records=records)
    training_close(actor=staff, training=training)
    return training


@transaction.atomic
def seed() -> None:
    staff = (
        Membership.objects.filter(role=Role.BASE_STAFF, user__phone="13800000011")
        .select_related("base", "user")
        .first()
    )
    if staff is None:
        return
    decider = (
        Membership.objects.filter(role=Role.CITY_HR, city_id=staff.base.managing_city_id)
        .select_related("user")
        .first()
    )
    if decider is None:
        return
    base = staff.base
    today = timezone.localdate()
    years = ruled_years()
    trainings = {t.title: t for t in Training.objects.filter(base=base)}
    people = list(User.objects.professionals().filter(phone__in=CROWD).order_by("phone"))
    alice = User.objects.professionals().filter(phone=DEMO_PROFESSIONAL_PHONE).first()

    # Closed a week ago in a year with a rule, hours posted to its passing trainees.
    if CLOSED_TITLE not in trainings:
        ends_on = today - datetime.timedelta(days=7)
        if ends_on.year not in years and years:
            ends_on = datetime.date(max(years), 12, 20)
        proposal = _proposal(
            CLOSED_TITLE,
            "professional",
            "智能制造",
            ends_on - datetime.timedelta(days=2),
            ends_on,
            hours="24",
            description="工业互联网平台、数字孪生与智能产线实践。",
        )
        trainees = [p for p in (alice, *people[:2]) if p is not None]
        # The last one did not come.
        _ran_and_closed(staff, decider, proposal, trainees, (False, Trainee.Result.FAILED))

    # Approved and open, on the public page, with a few trainees who enrolled.
    if OPEN_TITLE not in trainings:
        starts_on = today + datetime.timedelta(days=14)
        proposal = _proposal(
            OPEN_TITLE,
            "professional",
            "电子信息",
            starts_on,
            starts_on + datetime.timedelta(days=4),
            hours="40",
            capacity=50,
            fee="1200",
            is_advanced_seminar=True,
            description="专业技术人才知识更新工程高级研修项目：人工智能、工业软件与数据要素。",
        )
        if proposal.ends_on.year in years:
            training = training_propose(actor=staff, proposal=proposal)
            training_decide(actor=decider, training=training, approve=True)
            for person in people[1:]:
                training_enrol(person=person, training=training)

    # Waiting for the city HR's decision.
    if PROPOSED_TITLE not in trainings:
        starts_on = today + datetime.timedelta(days=30)
        proposal = _proposal(
            PROPOSED_TITLE,
            "public",
            "卫生健康",
            starts_on,
            starts_on + datetime.timedelta(days=1),
            hours="12",
            mode=Training.Mode.ONLINE,
            capacity=200,
        )
        if proposal.ends_on.year in years:
            training_propose(actor=staff, proposal=proposal)

    last_year = today.year - 1
    if LAST_YEAR_TITLE not in trainings and last_year in years:
        _seed_last_year(staff, decider, people, last_year)
    _seed_evaluation(base, last_year)


def _seed_last_year(staff: Membership, decider: Membership, people: list, year: int) -> None:
    """A training the base ran in November of `year`, closed with its hours posted to
    the demo crowd (not 李华: her last years' certificates are certificates.demo's)."""
    ends_on = datetime.date(year, 11, 12)
    proposal = _proposal(
        LAST_YEAR_TITLE,
        "professional",
        "智能制造",
        ends_on - datetime.timedelta(days=2),
        ends_on,
        hours="24",
        capacity=40,
        description="工业软件国产化、数字孪生建模与产线仿真实训。",
    )
    # The last one came and failed.
    training = _ran_and_closed(staff, decider, proposal, people, (True, Trainee.Result.FAILED))
    # Closed now, in the demo; as the base did then: six days after it ended, within
    # the evaluation's 30 days for filing on time.
    closed_at = timezone.make_aware(
        datetime.datetime.combine(ends_on + datetime.timedelta(days=6), datetime.time(16))
    )
    Training.objects.filter(pk=training.pk).update(closed_at=closed_at)


def _seed_evaluation(base: Base, year: int) -> None:
    """Provincial HR's score sheet of the demo base for `year` (last year), through
    bases.evaluation.evaluation_save, the filing and bonus parts as the indicators
    suggest them. Skipped when the base has one for the year or there is no
    provincial HR."""
    if Evaluation.objects.filter(base=base, year=year).exists():
        return
    province = Membership.objects.filter(role=Role.PROVINCE_HR).select_related("user").first()
    if province is None:
        return
    values = figure_values(bases_with_indicators(Base.objects.filter(pk=base.pk), year).get())
    scores = {
        "scale": Decimal(15),
        "quality": Decimal(25),
        "management": Decimal(17),
        "other": Decimal(6),
        **suggested_points(values),
    }
    total = sum(scores.values(), Decimal(0))
    evaluation_save(
        actor=province,
        base_pk=base.pk,
        year=year,
        scores=scores,
        grade=grade_reached(total),
        remarks="培训组织规范，结业资料按时报送；培训规模偏小，建议增加面向基层的专题培训。",
    )
