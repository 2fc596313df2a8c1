"""The yearly evaluation of bases (issue 16, item 3): indicators computed in SQL equal
the counts taken straight from the tables, with the change against the year before;
the quality-course bonus follows a selection; the board, its xlsx, the score sheet
provincial HR alone fills (audited), and the base's read-only view."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from bases import evaluation as ev
from bases.models import Evaluation, Trainee, Training
from credits.models import Category, Source
from credits.services import credit_post, credit_reverse
from learning.catalog.models import Course
from learning.quality.models import QualityNomination, QualityReview
from portal.models import AuditLog, Base, Membership, Role
from tests.factories import BaseFactory, UserFactory, make_member, make_professional

YEAR = 2024
SHANGHAI = ZoneInfo("Asia/Shanghai")
BOARD = reverse("bases:evaluation_board")
EXPORT = reverse("bases:evaluation_export")


def sheet_url(base, year=YEAR):
    return reverse("bases:evaluation_sheet", args=[base.pk, year])


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def training(base, *, ends_on, status=Training.Status.CLOSED, closed_at=None, hours="6"):
    """A training of `base` ending on `ends_on`, closed (at `closed_at`, default the
    next day at 10:00) unless another status is given."""
    staff = UserFactory()
    closed = status == Training.Status.CLOSED
    return Training.objects.create(
        base=base,
        title=f"培训{ends_on}",
        category=Category.PROFESSIONAL,
        field="电子信息",
        starts_on=ends_on - datetime.timedelta(days=2),
        ends_on=ends_on,
        mode=Training.Mode.OFFLINE,
        hours=Decimal(hours),
        capacity=50,
        status=status,
        proposed_by=staff,
        closed_by=staff if closed else None,
        closed_at=(closed_at or local(ends_on + datetime.timedelta(days=1), 10))
        if closed
        else None,
    )


def enrol(course, person, result=Trainee.Result.PASSED):
    """`person` enrolled in `course`; a passed trainee is credited its hours through
    the ledger, as closing a training does."""
    trainee = Trainee.objects.create(
        training=course, person=person, via=Trainee.Via.BASE, attended=True, result=result
    )
    if result == Trainee.Result.PASSED:
        trainee.credit, _created = credit_post(
            person=person,
            year=course.ends_on.year,
            category=course.category,
            hours=course.hours,
            source=Source.BASE_TRAINING,
            source_ref=f"base-trainee:{trainee.pk}",
        )
        trainee.save(update_fields=["credit"])
    return trainee


def nominate(base, year, status, *, scores=()):
    teacher = UserFactory()
    course = Course.objects.create(
        title=f"优质课{teacher.pk}",
        teacher_name=teacher.real_name,
        teacher=teacher,
        category=Category.PUBLIC,
        hours=Decimal(3),
        first_year=year,
        last_year=year,
        status=Course.Status.PUBLISHED,
    )
    nomination = QualityNomination.objects.create(
        course=course, year=year, nominated_by=teacher, base=base, status=status
    )
    for score in scores:
        QualityReview.objects.create(
            nomination=nomination, reviewer=UserFactory(), score=score, comment="好"
        )
    return nomination


def from_the_tables(base, year) -> dict:
    """The indicators of `base` for `year`, counted in Python from the rows."""
    closed = [
        t
        for t in Training.objects.filter(base=base)
        if t.status == Training.Status.CLOSED and t.ends_on.year == year
    ]
    trainees = [t for t in Trainee.objects.select_related("credit") if t.training in closed]
    credited = [t.credit for t in trainees if t.credit and not t.credit.reversals.exists()]
    on_time = [
        t
        for t in closed
        if t.closed_at.astimezone(SHANGHAI).date() - t.ends_on <= datetime.timedelta(days=30)
    ]
    passed = [t for t in trainees if t.result == Trainee.Result.PASSED]
    selected = [
        n
        for n in QualityNomination.objects.filter(base=base, year=year)
        if n.status == QualityNomination.Status.SELECTED
    ]
    scores = [r.score for n in selected for r in n.reviews.all()]

    def share(part, whole):
        return round(Decimal(len(part)) * 100 / len(whole), 1) if whole else None

    return {
        "trainings": len(closed),
        "people": len({t.person_id for t in trainees}),
        "hours": sum((e.hours for e in credited), Decimal(0)),
        "completion": share(passed, trainees),
        "on_time": len(on_time),
        "on_time_share": share(on_time, closed),
        "selected": len(selected),
        "selected_score": round(Decimal(sum(scores)) / len(scores), 1) if scores else None,
    }


def computed(base, year) -> dict:
    annotated = ev.bases_with_indicators(Base.objects.filter(pk=base.pk), year).get()
    return {f.indicator.key: f.value for f in ev.figures_of(annotated)}


@pytest.fixture
def people(unit_a):
    return [make_professional(unit_a, real_name=f"学员{n}") for n in range(4)]


@pytest.fixture
def busy_base(base, people, jinan):
    """`base` with trainings in YEAR − 1, YEAR and YEAR + 1, in every state, and a
    second base with its own training (which must not count for `base`)."""
    a, b, c, d = people
    # YEAR: filed on day +30 late in the evening (on time), on day +31 just after
    # midnight (late, though still day +30 in UTC), and a training not closed yet.
    june = datetime.date(YEAR, 6, 10)
    on_time = training(base, ends_on=june, closed_at=local(june + datetime.timedelta(30), 23, 30))
    late = training(
        base,
        ends_on=datetime.date(YEAR, 12, 30),
        hours="4.5",
        closed_at=local(datetime.date(YEAR + 1, 1, 30), 0, 30),
    )
    open_one = training(base, ends_on=datetime.date(YEAR, 9, 1), status=Training.Status.APPROVED)
    enrol(on_time, a)
    enrol(on_time, b)
    enrol(on_time, c, Trainee.Result.FAILED)
    enrol(late, a)  # a counts once among the people trained
    reversed_one = enrol(late, d)
    credit_reverse(entry=reversed_one.credit, reason="重复登记", reversed_by=a)
    enrol(open_one, b, Trainee.Result.PENDING)
    # YEAR - 1: one training, one of two trainees passed.
    before = training(base, ends_on=datetime.date(YEAR - 1, 11, 20), hours="3")
    enrol(before, a)
    enrol(before, b, Trainee.Result.PENDING)
    # YEAR + 1 and another base: not counted.
    enrol(training(base, ends_on=datetime.date(YEAR + 1, 1, 5)), c)
    other = BaseFactory(managing_city=jinan)
    enrol(training(other, ends_on=datetime.date(YEAR, 5, 5)), d)
    return base


@pytest.mark.django_db
def test_indicators_equal_the_counts_taken_from_the_tables(busy_base):
    for year in (YEAR - 1, YEAR, YEAR + 1):
        assert computed(busy_base, year) == from_the_tables(busy_base, year), year
    figures = computed(busy_base, YEAR)
    # Spelled out once, so the Python count above cannot share a mistake with the SQL.
    assert figures["trainings"] == 2
    assert figures["people"] == 4  # a, b, c, d; a in both trainings
    assert figures["hours"] == Decimal("16.5")  # 6 + 6 + 4.5; d's reversed 4.5 left out
    assert figures["completion"] == Decimal("80.0")  # 4 passed of 5 enrolled
    assert (figures["on_time"], figures["on_time_share"]) == (1, Decimal("50.0"))


@pytest.mark.django_db
def test_year_on_year_change(busy_base):
    annotated = ev.bases_with_indicators(Base.objects.filter(pk=busy_base.pk), YEAR).get()
    figures = {f.indicator.key: f for f in ev.figures_of(annotated)}
    assert (figures["trainings"].previous, figures["trainings"].change) == (1, 1)
    assert (figures["people"].previous, figures["people"].change) == (2, 2)
    assert figures["hours"].change == Decimal("13.5")  # 16.5 against 3.0
    completion = figures["completion"]  # 80.0 % against 50.0 %
    assert (completion.previous, completion.change) == (Decimal("50.0"), Decimal("30.0"))
    assert completion.change_display == "+30.0 个百分点"
    assert figures["on_time_share"].change == Decimal("-50.0")
    assert figures["selected_score"].change is None  # no reviewed course either year


@pytest.mark.django_db
def test_the_bonus_follows_a_selection(base, jinan):
    other = BaseFactory(managing_city=jinan)
    counted = nominate(base, YEAR, QualityNomination.Status.SHORTLISTED, scores=(90, 80))
    declined = nominate(base, YEAR, QualityNomination.Status.PENDING, scores=(40,))
    nominate(base, YEAR - 1, QualityNomination.Status.SELECTED, scores=(70,))
    nominate(other, YEAR, QualityNomination.Status.SELECTED, scores=(99,))
    assert computed(base, YEAR)["selected"] == 0

    counted.status = QualityNomination.Status.SELECTED
    counted.save()
    declined.status = QualityNomination.Status.DECLINED
    declined.save()
    figures = computed(base, YEAR)
    assert (figures["selected"], figures["selected_score"]) == (1, Decimal("85.0"))
    assert figures == from_the_tables(base, YEAR)
    annotated = ev.bases_with_indicators(Base.objects.filter(pk=base.pk), YEAR).get()
    assert ev.suggested_points(ev.figure_values(annotated))["bonus"] == Decimal(5)


@pytest.mark.django_db
def test_the_board_shows_every_base_with_its_figures_and_the_rule(client, busy_base, province_hr):
    client.force_login(province_hr)
    response = client.get(BOARD, {"year": YEAR})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Base.objects.count() == 2
    row = next(base for base in page if base.pk == busy_base.pk)
    assert {f.indicator.key: f.value for f in row.figures} == from_the_tables(busy_base, YEAR)
    text = response.content.decode()
    assert busy_base.name in text and "省级继续教育基地" in text
    assert "30天内" in text  # the filing rule is stated
    assert "未评定" in text
    assert f'href="{sheet_url(busy_base)}"' in text


@pytest.mark.django_db
def test_the_board_takes_a_fixed_number_of_queries(
    client, jinan, people, province_hr, django_assert_max_num_queries
):
    def add_bases(n):
        for _ in range(n):
            base = BaseFactory(managing_city=jinan)
            course = training(base, ends_on=datetime.date(YEAR, 3, 3))
            enrol(course, people[0])
            nominate(base, YEAR, QualityNomination.Status.SELECTED, scores=(88,))

    client.force_login(province_hr)
    add_bases(3)
    # the user with her roles, the years, the page of bases with every figure (3 today).
    with django_assert_max_num_queries(4):
        assert client.get(BOARD, {"year": YEAR}).status_code == 200
    add_bases(20)
    with django_assert_max_num_queries(4):
        response = client.get(BOARD, {"year": YEAR, "page": "1"})
    assert len(response.context["page"]) == 23
    with django_assert_max_num_queries(4):
        assert client.get(EXPORT, {"year": YEAR}).status_code == 200


@pytest.mark.django_db
def test_the_xlsx_has_the_same_figures(client, busy_base, province_hr):
    client.force_login(province_hr)
    response = client.get(EXPORT, {"year": YEAR})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="base-evaluation-2024.xlsx"' in disposition
    assert "filename*=utf-8''" in disposition and "%E5%9F%BA%E5%9C%B0" in disposition  # 基地
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers, data = rows[0], {row[0]: row for row in rows[1:]}
    assert headers[:4] == ("继续教育基地", "基地级别", "基地管理单位", "开展培训")
    row = data[busy_base.name]
    expected = from_the_tables(busy_base, YEAR)
    before = from_the_tables(busy_base, YEAR - 1)
    for index, indicator in enumerate(ev.INDICATORS):
        value, previous, change = row[3 + 3 * index : 6 + 3 * index]
        want, want_before = expected[indicator.key], before[indicator.key]
        assert value == (None if want is None else pytest.approx(float(want))), indicator.key
        assert previous == (None if want_before is None else pytest.approx(float(want_before)))
        if want is not None and want_before is not None:
            assert change == pytest.approx(float(want - want_before)), indicator.key
    assert row[1] == "省级继续教育基地" and row[2] == "济南市人力资源和社会保障局"
    assert row[-2:] == (None, None)  # not evaluated yet


def post_sheet(client, base, year=YEAR, **changes):
    data = {
        "points_scale": "18",
        "points_quality": "26.5",
        "points_management": "18",
        "points_filing": "8",
        "points_bonus": "5",
        "points_other": "6",
        "grade": "excellent",
        "remarks": "",
    }
    data.update(changes)
    return client.post(sheet_url(base, year), data)


@pytest.mark.django_db
def test_the_score_sheet_saves_then_updates_and_is_audited(client, busy_base, province_hr):
    client.force_login(province_hr)
    page = client.get(sheet_url(busy_base))
    assert page.status_code == 200
    # Suggested points before anything is saved: half the trainings filed on time.
    assert page.context["form"].initial["points_filing"] == Decimal("5.0")

    # 18 + 26.5 + 18 + 8 + 5 + 6 = 81.5 points: 合格.
    response = post_sheet(client, busy_base, grade="pass")
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.total, evaluation.grade) == (Decimal("81.5"), "pass")
    assert evaluation.scores["quality"] == "26.5" and evaluation.evaluated_by == province_hr
    saved = client.get(response["Location"])
    assert "81.5" in saved.content.decode()

    # Saving again changes the same evaluation.
    post_sheet(client, busy_base, points_quality="30", points_other="9", grade="excellent")
    evaluation = Evaluation.objects.get()
    assert (evaluation.total, evaluation.grade) == (Decimal("88.0"), "excellent")
    log = list(AuditLog.objects.filter(action__startswith="bases.evaluation").order_by("pk"))
    assert [entry.action for entry in log] == [
        "bases.evaluation.created",
        "bases.evaluation.changed",
    ]
    assert log[0].actor == province_hr
    assert log[1].payload == {
        "base": busy_base.pk,
        "year": YEAR,
        "total": "88.0",
        "grade": "excellent",
        "previous_total": "81.5",
        "previous_grade": "pass",
    }
    board = client.get(BOARD, {"year": YEAR}).content.decode()
    assert "88.0 · 优秀" in board


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [("points_quality", "30.5"), ("points_scale", "-1"), ("points_bonus", "4.25")],
)
def test_the_score_sheet_refuses_points_out_of_range(client, base, province_hr, field, value):
    client.force_login(province_hr)
    response = post_sheet(client, base, grade="pass", **{field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_the_service_checks_the_points_itself(base, province_hr):
    actor = Membership.objects.get(user=province_hr)
    scores = {"scale": 20, "quality": 30, "management": 20, "filing": 10, "bonus": 10, "other": 10}
    for change, message in [
        ({"bonus": Decimal("10.5")}, "优质课程加分的分值为0至10分"),
        ({"other": None}, "请填写其他的分值"),
        ({"scale": "NaN"}, "请填写培训规模的分值"),
    ]:
        with pytest.raises(ev.EvaluationError, match=message):
            ev.evaluation_save(
                actor=actor,
                base_pk=base.pk,
                year=YEAR,
                scores={**scores, **change},
                grade="excellent",
            )
    with pytest.raises(ev.EvaluationError):  # a year to come cannot be evaluated
        ev.evaluation_save(actor=actor, base_pk=base.pk, year=2030, scores=scores, grade="pass")
    assert (
        not Evaluation.objects.exists()
        and not AuditLog.objects.filter(action__startswith="bases.").exists()
    )
    assert ev.evaluation_save(
        actor=actor, base_pk=base.pk, year=YEAR, scores=scores, grade="excellent"
    ).total == Decimal(100)


@pytest.mark.django_db
def test_a_grade_the_total_does_not_allow_is_refused(client, base, province_hr):
    client.force_login(province_hr)
    # 81.5 points: not 优秀.
    page = post_sheet(client, base).content.decode()
    assert "优秀需要总分不低于85分，现总分为81.5分" in page
    # 59.5 points: not 合格 either.
    low = {"points_quality": "16", "points_other": "0", "points_management": "12.5"}
    page = post_sheet(client, base, grade="pass", **low).content.decode()
    assert "合格需要总分不低于60分，现总分为59.5分" in page
    assert not Evaluation.objects.exists()
    # A grade below what the total reaches (a veto) needs remarks.
    page = post_sheet(client, base, grade="fail").content.decode()
    assert "请在备注中说明" in page
    assert not Evaluation.objects.exists()
    post_sheet(client, base, grade="fail", remarks="培训期间发生严重违规，一票否决")
    assert Evaluation.objects.get().grade == "fail"


@pytest.mark.django_db
def test_base_staff_read_their_own_evaluation_only(client, base, base_staff, jinan, province_hr):
    other = BaseFactory(managing_city=jinan)
    actor = Membership.objects.get(user=province_hr)
    scores = {"scale": 18, "quality": 27, "management": 18, "filing": 9, "bonus": 5, "other": 8}
    ev.evaluation_save(
        actor=actor,
        base_pk=base.pk,
        year=YEAR,
        scores=scores,
        grade="excellent",
        remarks="管理规范",
    )
    ev.evaluation_save(
        actor=actor, base_pk=other.pk, year=YEAR, scores=scores, grade="pass", remarks="另一基地"
    )
    client.force_login(base_staff)
    own = reverse("bases:base_evaluations", args=[base.pk])
    home = client.get(reverse("portal:role_home", args=[Role.BASE_STAFF])).content.decode()
    assert f'href="{own}"' in home
    response = client.get(own)
    assert response.status_code == 200
    text = response.content.decode()
    assert "85.0" in text and "优秀" in text and "管理规范" in text
    assert "score-sheet" not in text  # read only
    assert client.get(reverse("bases:base_evaluations", args=[other.pk])).status_code == 404
    assert client.get(sheet_url(base)).status_code == 403
    assert post_sheet(client, base, grade="pass").status_code == 403
    assert client.get(BOARD).status_code == 403
    assert client.get(EXPORT).status_code == 403
    outsider = make_member(Role.BASE_STAFF, base=other)
    client.force_login(outsider)
    assert (
        "管理规范"
        not in client.get(reverse("bases:base_evaluations", args=[other.pk])).content.decode()
    )


@pytest.mark.django_db
def test_only_provincial_hr_fills_the_score_sheet(client, cast, base):
    url = sheet_url(base)
    for name, person in cast.items():
        client.force_login(person)
        expected = 200 if name == "province_hr" else 403
        assert client.get(url).status_code == expected, name
        if name != "province_hr":
            assert post_sheet(client, base, grade="pass").status_code == 403, name
    assert not Evaluation.objects.exists()
    # The service itself refuses anybody else, whatever a view lets through.
    city = Membership.objects.get(user=cast["jinan_hr"])
    with pytest.raises(Http404):
        ev.evaluation_save(
            actor=city, base_pk=base.pk, year=YEAR, scores={}, grade="pass", remarks=""
        )
