"""The digital-engineer programme's rules, at the service level."""

import datetime
from decimal import Decimal

import pytest

from credits.models import CreditEntry
from credits.selectors import year_status
from digital_engineer.models import (
    Approval,
    InstitutionState,
    RosterFiling,
    TrainingCertificate,
    TrainingClass,
)
from digital_engineer.selectors import classes_visible_to, filing_state, rosters_to_remind
from digital_engineer.services import (
    ProgrammeError,
    class_close,
    class_open,
    filing_decide,
    filing_submit,
    trainee_enrol,
    trainee_record,
)
from portal.models import Membership
from portal.registration import profile_register, registration_decide
from tests.factories import (
    InstitutionFactory,
    id_number_for,
    make_passed_trainee,
    make_professional,
)

END = datetime.date(2025, 6, 30)


@pytest.fixture
def listed(institution):
    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    return institution


def open_class(institution, jinan, **fields):
    values = {
        "name": "人工智能初级班",
        "direction": "ai",
        "level": "junior",
        "kind": "open",
        "target_group": "graduates",
        "city": jinan,
        "starts_on": datetime.date(2025, 5, 1),
        "ends_on": END,
        "theory_hours": 64,
        "practice_hours": 64,
        "capacity": 3,
        **fields,
    }
    return class_open(institution=institution, opened_by=None, **values)


@pytest.mark.django_db
class TestClasses:
    def test_a_class_within_the_approval_opens(self, listed, jinan):
        assert open_class(listed, jinan).hours == 128

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"direction": "blockchain"}, "未获批"),
            ({"level": "senior"}, "未获批"),
            ({"theory_hours": 60}, "128"),
            ({"kind": "order"}, "合作企业"),
        ],
    )
    def test_classes_outside_the_rules_are_refused(self, listed, jinan, fields, message):
        with pytest.raises(ProgrammeError, match=message):
            open_class(listed, jinan, **fields)
        assert not TrainingClass.objects.exists()

    def test_a_suspended_institution_opens_nothing(self, listed, jinan):
        InstitutionState.objects.filter(institution=listed).update(status="suspended")
        with pytest.raises(ProgrammeError, match="目录"):
            open_class(listed, jinan)


@pytest.mark.django_db
class TestTrainees:
    def test_capacity_is_enforced(self, listed, jinan, unit_a):
        klass = open_class(listed, jinan, capacity=2)
        first, second, third = (make_professional(unit_a) for _ in range(3))
        for person in (first, second):
            trainee_enrol(
                training_class=klass, id_number=person.id_number, real_name=person.real_name
            )
        with pytest.raises(ProgrammeError, match="已满"):
            trainee_enrol(
                training_class=klass, id_number=third.id_number, real_name=third.real_name
            )

    def test_a_graduate_without_an_account_is_created(self, listed, jinan):
        klass = open_class(listed, jinan)
        trainee = trainee_enrol(
            training_class=klass, id_number=id_number_for(555), real_name="应届生"
        )
        assert trainee.person.real_name == "应届生"

    def test_scores_outside_0_to_100_are_refused(self, listed, jinan, alice):
        trainee = trainee_enrol(
            training_class=open_class(listed, jinan),
            id_number=alice.id_number,
            real_name=alice.real_name,
        )
        with pytest.raises(ProgrammeError):
            trainee_record(
                trainee=trainee,
                theory_attended=64,
                practice_attended=64,
                theory_score=101,
                practice_score=80,
            )


@pytest.mark.django_db
class TestClosing:
    def test_59_fails_and_passing_trainees_get_certificate_and_hours_once(
        self, listed, jinan, unit_a
    ):
        klass = open_class(listed, jinan)
        scores = [(60, 60), (59, 100), (100, 59)]
        people = []
        for theory, practice in scores:
            person = make_professional(unit_a)
            trainee = trainee_enrol(
                training_class=klass, id_number=person.id_number, real_name=person.real_name
            )
            trainee_record(
                trainee=trainee,
                theory_attended=64,
                practice_attended=64,
                theory_score=theory,
                practice_score=practice,
            )
            people.append(person)
        class_close(training_class=klass, closed_by=None)
        class_close(training_class=klass, closed_by=None)  # clicked twice
        assert TrainingCertificate.objects.count() == 1
        assert CreditEntry.objects.count() == 1
        assert year_status(people[0], 2025).professional == Decimal(128)
        assert year_status(people[1], 2025).professional == 0
        certificate = TrainingCertificate.objects.get()
        assert certificate.serial == f"SDSZ2025{certificate.pk:06d}"

    def test_a_graduate_whose_registration_waits_gets_her_hours_on_approval(
        self, listed, jinan, unit_a, hr_a
    ):
        klass = open_class(listed, jinan)
        trainee = trainee_enrol(
            training_class=klass, id_number=id_number_for(556), real_name="待审学员"
        )
        trainee_record(
            trainee=trainee,
            theory_attended=64,
            practice_attended=64,
            theory_score=90,
            practice_score=90,
        )
        graduate = trainee.person
        profile_register(
            user=graduate,
            unit=unit_a,
            real_name="待审学员",
            phone="13900005560",
            email="",
            title_series="",
            title_level="",
            title_obtained_on=None,
        )
        class_close(training_class=klass, closed_by=None)  # the pending one does not block it
        klass.refresh_from_db()
        assert klass.status == TrainingClass.Status.CLOSED
        assert TrainingCertificate.objects.filter(trainee=trainee).exists()
        assert year_status(graduate, 2025).professional == 0  # held while pending

        registration_decide(actor=Membership.objects.get(user=hr_a), pk=graduate.pk, approve=True)
        assert year_status(graduate, 2025).professional == Decimal(128)

    def test_a_certified_person_cannot_enrol_again_at_that_level(self, listed, jinan, alice):
        klass = open_class(listed, jinan)
        make_passed_trainee(klass, alice)
        class_close(training_class=klass, closed_by=None)
        again = open_class(listed, jinan, name="第二期")
        with pytest.raises(ProgrammeError, match="已取得"):
            trainee_enrol(
                training_class=again, id_number=alice.id_number, real_name=alice.real_name
            )


@pytest.mark.django_db
class TestFiling:
    @pytest.fixture
    def filing(self, listed, jinan, alice):
        klass = open_class(listed, jinan)
        trainee_enrol(training_class=klass, id_number=alice.id_number, real_name=alice.real_name)
        class_close(training_class=klass, closed_by=None)
        return RosterFiling.objects.get()

    def test_due_thirty_days_after_the_end_and_overdue_after(self, filing):
        assert filing.due_on == END + datetime.timedelta(days=30)
        assert filing_state(filing, filing.due_on).status == "open"
        late = filing_state(filing, filing.due_on + datetime.timedelta(days=1))
        assert (late.status, late.days_left) == ("overdue", -1)

    def test_reminders_pick_exactly_the_filings_inside_seven_days(self, filing):
        assert rosters_to_remind(filing.due_on - datetime.timedelta(days=8)) == []
        (state,) = rosters_to_remind(filing.due_on - datetime.timedelta(days=7))
        assert state.filing == filing
        filing_submit(filing=filing, summary="培训总结", submitted_by=None)
        assert rosters_to_remind(filing.due_on) == []

    def test_summary_is_required_and_hr_acknowledges_or_returns(self, filing, jinan_hr):
        with pytest.raises(ProgrammeError, match="培训总结"):
            filing_submit(filing=filing, summary=" ", submitted_by=None)
        filing_submit(filing=filing, summary="培训总结", submitted_by=None)
        with pytest.raises(ProgrammeError, match="原因"):
            filing_decide(filing=filing, acknowledge=False, reason="", decided_by=jinan_hr)
        filing_decide(
            filing=filing, acknowledge=False, reason="名单缺少身份证号", decided_by=jinan_hr
        )
        assert filing_state(filing, END).status == "returned"
        filing_submit(filing=filing, summary="补充后的总结", submitted_by=None)
        filing_decide(filing=filing, acknowledge=True, reason="", decided_by=jinan_hr)
        assert filing.status == "acknowledged"


@pytest.mark.django_db
def test_each_role_sees_its_classes(
    listed, jinan, qingdao, jinan_hr, qingdao_hr, province_hr, institution_staff
):
    other = InstitutionFactory(city=qingdao)
    InstitutionState.objects.create(institution=other, status="listed")
    Approval.objects.create(institution=other, direction="ai", level="junior")
    mine = open_class(listed, jinan)
    theirs = open_class(other, qingdao, name="青岛班")

    def sees(user):
        return set(classes_visible_to(Membership.objects.get(user=user)))

    assert sees(institution_staff) == {mine}
    assert sees(jinan_hr) == {mine}
    assert sees(qingdao_hr) == {theirs}
    assert sees(province_hr) == {mine, theirs}
