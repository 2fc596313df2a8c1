"""The yearly evaluation of continuing-education bases (检查评估; the notice, sections
五(三) and 二(三); RULES.md "Continuing-education bases"): the indicators provincial HR
evaluates a base by, computed from the tables, and the score sheet it fills with the
grade it gives.

Indicators of a base for a year Y (all in SQL, `bases_with_indicators`):

- trainings run: its trainings CLOSED whose last day (`ends_on`) is in Y — the year
  their hours count in (Training.year);
- people trained: the distinct people enrolled in those trainings;
- hours delivered: the hours the ledger credited for those trainings' trainees (the
  entries `Trainee.credit` points at; an entry since reversed does not count), one
  decimal;
- completion: trainees who passed / trainees enrolled in those trainings;
- filings on time: those trainings whose results were filed — the training closed,
  `closed_at`, local date — at most FILING_DAYS (30) days after their last day, as a
  count and as a share of the trainings run. (The notice sets no deadline for bases;
  30 days is the house's reading, the same as the digital-engineer roster filing of
  人社厅发〔2021〕71号.)
- the bonus for quality courses (二(三): "优质在线公需课入选的数量和质量作为省级继续教育
  基地检查评估的加分指标"): the number of the base's nominations (QualityNomination.base)
  SELECTED for Y, and their quality — the notice names number and *quality* — as the
  average score (0–100) the association's experts gave them (QualityReview). The base's
  own level (国家级/省级) is shown beside them.

Each indicator comes with its value for Y − 1 and the change. The score sheet's parts
and maxima (PARTS), the grade thresholds (GRADE_MINIMA) and the suggested points are
defined here once."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import (
    DecimalField,
    F,
    FloatField,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bases.models import Evaluation, Trainee, Training
from credits.models import YearRule
from learning.quality.models import QualityNomination, QualityReview
from portal import scoping
from portal.actions import Refused
from portal.audit import audit_log
from portal.base_registry import bases_kept_by
from portal.models import Base, Membership
from portal.selectors import subquery_count

# A training's results count as filed on time when it is closed at most this many days
# after its last day (the house's rule; see the module's docstring).
FILING_DAYS = 30
ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


class EvaluationError(Refused):
    """A score sheet refused, with a message the user may read."""


# -- the indicators ---------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator: `key` (its annotation), its label, and how it reads — "count",
    "hours" (one decimal), "share" (per cent, one decimal) or "score" (0–100)."""

    key: str
    label: str
    kind: str


INDICATORS = (
    Indicator("trainings", gettext_lazy("Trainings run"), "count"),
    Indicator("people", gettext_lazy("People trained"), "count"),
    Indicator("hours", gettext_lazy("Hours delivered"), "hours"),
    Indicator("completion", gettext_lazy("Completion rate"), "share"),
    Indicator("on_time", gettext_lazy("Filed on time"), "count"),
    Indicator("on_time_share", gettext_lazy("Share filed on time"), "share"),
    Indicator("selected", gettext_lazy("Selected quality courses"), "count"),
    Indicator("selected_score", gettext_lazy("Expert score of selected courses"), "score"),
)

# The raw figures annotated on each base as `ev_<figure>` for the year and
# `ev_<figure>_prev` for the year before; the shares are worked out from them.
RAW = (
    "trainings",
    "on_time",
    "people",
    "enrolled",
    "passed",
    "hours",
    "selected",
    "selected_score",
)
PREVIOUS = "_prev"


def _sql_aggregate(queryset: QuerySet, function: str, expression, output_field):
    """SUM or AVG of `expression` over `queryset` as a scalar subquery (NULL when there
    are no rows)."""
    result = queryset.order_by().annotate(
        _v=Func(expression, function=function, output_field=output_field)
    )
    return Subquery(result.values("_v"), output_field=output_field)


def _run_in(year: int, via: str = "") -> dict:
    """The lookups of the outer base's trainings run in `year` (closed, ending in
    `year`), reached through `via` ("training__" from a trainee)."""
    return {
        f"{via}base": OuterRef("pk"),
        f"{via}status": Training.Status.CLOSED,
        f"{via}ends_on__year": year,
    }


def _year_annotations(year: int, suffix: str) -> dict:
    """The raw figures of `year` for the outer base, named `<figure><suffix>`."""
    trainings = Training.objects.filter(**_run_in(year))
    on_time = trainings.filter(
        closed_at__date__lte=F("ends_on") + datetime.timedelta(days=FILING_DAYS)
    )
    trainees = Trainee.objects.filter(**_run_in(year, "training__"))
    credited = trainees.filter(credit__isnull=False, credit__reversals__isnull=True)
    selected = QualityNomination.objects.filter(
        base=OuterRef("pk"), year=year, status=QualityNomination.Status.SELECTED
    )
    reviews = QualityReview.objects.filter(
        nomination__base=OuterRef("pk"),
        nomination__year=year,
        nomination__status=QualityNomination.Status.SELECTED,
    )
    hours_field = DecimalField(max_digits=12, decimal_places=1)
    return {
        f"ev_trainings{suffix}": subquery_count(trainings),
        f"ev_on_time{suffix}": subquery_count(on_time),
        f"ev_people{suffix}": subquery_count(trainees, F("person_id"), distinct=True),
        f"ev_enrolled{suffix}": subquery_count(trainees),
        f"ev_passed{suffix}": subquery_count(trainees.filter(result=Trainee.Result.PASSED)),
        f"ev_hours{suffix}": Coalesce(
            _sql_aggregate(credited, "SUM", F("credit__hours"), hours_field),
            Value(Decimal(0)),
            output_field=hours_field,
        ),
        f"ev_selected{suffix}": subquery_count(selected),
        f"ev_selected_score{suffix}": _sql_aggregate(reviews, "AVG", F("score"), FloatField()),
    }


def bases_with_indicators(bases: QuerySet[Base], year: int) -> QuerySet[Base]:
    """`bases`, each annotated — in one SQL statement whatever their number — with the
    raw figures (RAW) of `year` as `ev_<figure>` and of `year - 1` as
    `ev_<figure>_prev`, and with its
    evaluation of `year` (`evaluation_pk`, `evaluation_total`, `evaluation_grade`;
    None when not evaluated). Read them through `figures_of(base)`."""
    evaluation = Evaluation.objects.filter(base=OuterRef("pk"), year=year).order_by()
    return bases.annotate(
        **_year_annotations(year, ""),
        **_year_annotations(year - 1, PREVIOUS),
        evaluation_pk=Subquery(evaluation.values("pk")[:1]),
        evaluation_total=Subquery(evaluation.values("total")[:1]),
        evaluation_grade=Subquery(evaluation.values("grade")[:1]),
    )


def evaluation_board(actor: Membership | None, year: int) -> QuerySet[Base]:
    """The board of `year`: the bases the actor evaluates — every base for provincial
    HR, which keeps the registry and inspects the bases (鲁人社发〔2016〕38号;
    portal.base_registry.bases_kept_by), none for anyone else —, national ones first
    then by name, with their indicators (bases_with_indicators)."""
    bases = bases_kept_by(actor).select_related(
        "managing_city", "managing_authority", "managing_unit"
    )
    return bases_with_indicators(bases, year).order_by("level", "name", "pk")


@dataclass(frozen=True)
class Figure:
    """An indicator's value in the year and the year before, and the change: counts
    as int, hours and scores as Decimal with one decimal, shares as per cent (Decimal,
    one decimal); None where there is nothing to measure (a share of no trainings, the
    score of no reviewed course). `change` is value − previous (per-cent points for a
    share); None when either is None."""

    indicator: Indicator
    value: int | Decimal | None
    previous: int | Decimal | None

    @property
    def label(self) -> str:
        return str(self.indicator.label)

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def display(self) -> str:
        return _display(self.indicator.kind, self.value)

    @property
    def previous_display(self) -> str:
        return _display(self.indicator.kind, self.previous)

    @property
    def change_display(self) -> str:
        """ "+3", "−1.5", "0", "—"; a share's change in per-cent points ("+5.0 pp")."""
        change = self.change
        if change is None:
            return "—"
        sign = "+" if change > 0 else ("−" if change < 0 else "")
        text = _display(self.indicator.kind, abs(change), unit=False)
        if self.indicator.kind == "share":
            return _("%(change)s pp") % {"change": f"{sign}{text}"}
        return f"{sign}{text}"


def _display(kind: str, value, *, unit: bool = True) -> str:
    if value is None:
        return "—"
    if kind == "count":
        return str(value)
    text = f"{value:.1f}"
    return f"{text}%" if kind == "share" and unit else text


def _one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, one decimal; None for a whole of nothing."""
    if not whole:
        return None
    return _one_decimal(Decimal(part) * HUNDRED / Decimal(whole))


def _values(base: Base, suffix: str) -> dict:
    raw = {name: getattr(base, f"ev_{name}{suffix}") for name in RAW}
    return {
        "trainings": raw["trainings"],
        "people": raw["people"],
        "hours": _one_decimal(raw["hours"]),
        "completion": _share(raw["passed"], raw["enrolled"]),
        "on_time": raw["on_time"],
        "on_time_share": _share(raw["on_time"], raw["trainings"]),
        "selected": raw["selected"],
        "selected_score": _one_decimal(raw["selected_score"]),
    }


def figures_of(base: Base) -> list[Figure]:
    """The indicators (INDICATORS, in order) of a base annotated by
    bases_with_indicators, with last year's values and the change."""
    now, before = _values(base, ""), _values(base, PREVIOUS)
    return [Figure(i, now[i.key], before[i.key]) for i in INDICATORS]


def figure_values(base: Base) -> dict:
    """{indicator key: value of the year} of an annotated base (the suggestions)."""
    return _values(base, "")


# -- the base's own view, and the year ---------------------------------------------------


def get_visible_base_for(actor: Membership | None, pk) -> Base:
    """The base `pk` among portal.scoping.bases_visible_to(actor) (its own for base
    staff, all for provincial HR); Http404 otherwise."""
    return get_object_or_404(scoping.bases_visible_to(actor), pk=pk)


def evaluation_years() -> list[int]:
    """The years a base may be evaluated for: the years with a rule (credits.YearRule)
    up to this one, latest first."""
    this_year = timezone.localdate().year
    return list(
        YearRule.objects.filter(year__lte=this_year)
        .order_by("-year")
        .values_list("year", flat=True)
    )


def default_evaluation_year(years: list[int]) -> int:
    """The year a board opens on: the last finished year among `years` (bases are
    evaluated after the year ends), else the latest of them, else this year."""
    this_year = timezone.localdate().year
    finished = [year for year in years if year < this_year]
    if finished:
        return max(finished)
    return max(years, default=this_year)


# -- the score sheet ----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A part of the score sheet: `key` in Evaluation.scores, label, maximum points,
    and what it covers."""

    key: str
    label: str
    maximum: Decimal
    help: str


PARTS = (
    Part(
        "scale",
        gettext_lazy("Training scale"),
        Decimal(20),
        gettext_lazy("Trainings run, people trained and hours delivered."),
    ),
    Part(
        "quality",
        gettext_lazy("Training quality"),
        Decimal(30),
        gettext_lazy("Completion of trainees, content, teachers and trainees' feedback."),
    ),
    Part(
        "management",
        gettext_lazy("Rules and management"),
        Decimal(20),
        gettext_lazy("The base's rules, staff, facilities and records."),
    ),
    Part(
        "filing",
        gettext_lazy("Filing on time"),
        Decimal(10),
        gettext_lazy("Results filed within 30 days after a training ends."),
    ),
    Part(
        "bonus",
        gettext_lazy("Quality-course bonus"),
        Decimal(10),
        gettext_lazy("Number and quality of the base's selected quality online courses."),
    ),
    Part(
        "other",
        gettext_lazy("Other"),
        Decimal(10),
        gettext_lazy("Anything else the evaluation found, such as advanced seminars run."),
    ),
)
PARTS_BY_KEY = {part.key: part for part in PARTS}
FULL_MARKS = sum(part.maximum for part in PARTS)  # 100
# The least total each grade allows. Provincial HR chooses the grade: never better
# than the total reaches; lower (a veto for a serious fault) only with remarks.
GRADE_MINIMA = {
    Evaluation.Grade.EXCELLENT: Decimal(85),
    Evaluation.Grade.PASS: Decimal(60),
    Evaluation.Grade.FAIL: Decimal(0),
}
# Suggested bonus points per selected quality course (up to the part's maximum).
BONUS_POINTS_PER_COURSE = Decimal(5)


def grade_reached(total: Decimal) -> str:
    """The best grade `total` allows (GRADE_MINIMA): 85 or more 优秀, 60 or more 合格,
    below 60 不合格."""
    for grade, minimum in GRADE_MINIMA.items():
        if total >= minimum:
            return grade
    return Evaluation.Grade.FAIL


def suggested_points(values: dict) -> dict[str, Decimal]:
    """Points the indicators suggest for two parts (provincial HR may change them):
    "filing" = its maximum × the share filed on time (0 without trainings), "bonus" =
    BONUS_POINTS_PER_COURSE per selected course, at most the part's maximum.
    `values`: figure_values of the base."""
    filing_max = PARTS_BY_KEY["filing"].maximum
    share = values["on_time_share"] or Decimal(0)
    return {
        "filing": _one_decimal(filing_max * share / HUNDRED),
        "bonus": min(
            PARTS_BY_KEY["bonus"].maximum, BONUS_POINTS_PER_COURSE * values["selected"]
        ).quantize(ONE_DECIMAL),
    }


def _checked_scores(scores: dict) -> dict[str, Decimal]:
    """Every part's points, as Decimal with at most one decimal within 0..maximum;
    EvaluationError otherwise."""
    checked = {}
    for part in PARTS:
        raw = scores.get(part.key)
        try:
            points = Decimal(str(raw))
        except (ArithmeticError, ValueError, TypeError):
            points = None
        if raw is None or raw == "" or points is None or not points.is_finite():
            raise EvaluationError(_("Give the points for %(part)s.") % {"part": part.label})
        if not Decimal(0) <= points <= part.maximum:
            raise EvaluationError(
                _("%(part)s takes 0 to %(maximum)s points.")
                % {"part": part.label, "maximum": part.maximum}
            )
        if points != points.quantize(ONE_DECIMAL):
            raise EvaluationError(
                _("Points for %(part)s take at most one decimal place.") % {"part": part.label}
            )
        checked[part.key] = points.quantize(ONE_DECIMAL)
    unknown = set(scores) - set(PARTS_BY_KEY)
    if unknown:
        raise EvaluationError(_("The score sheet has no such part."))
    return checked


def check_grade(total: Decimal, grade: str, remarks: str) -> None:
    """EvaluationError when `grade` is unknown, better than `total` allows
    (GRADE_MINIMA: 优秀 needs 85, 合格 60), or lower than it allows without remarks
    saying why."""
    if grade not in GRADE_MINIMA:
        raise EvaluationError(_("Choose a grade."))
    if total < GRADE_MINIMA[grade]:
        raise EvaluationError(
            _("%(grade)s needs a total of at least %(minimum)s points; the total is %(total)s.")
            % {
                "grade": Evaluation.Grade(grade).label,
                "minimum": GRADE_MINIMA[grade],
                "total": total,
            }
        )
    reached = grade_reached(total)
    if GRADE_MINIMA[grade] < GRADE_MINIMA[reached] and not remarks.strip():
        raise EvaluationError(
            _("The total reaches %(reached)s: say in the remarks why the grade is lower.")
            % {"reached": Evaluation.Grade(reached).label}
        )


@transaction.atomic
def evaluation_save(
    *,
    actor: Membership,
    base_pk: int,
    year: int,
    scores: dict,
    grade: str,
    remarks: str = "",
) -> Evaluation:
    """Save provincial HR's score sheet of the base `base_pk` for `year`: the points
    of every part (PARTS: {key: points}, each 0..maximum, one decimal), the total
    (their sum, one decimal, at most 100), the grade and remarks. Saving again
    updates the same evaluation (one per base and year).

    Raises Http404 when the actor does not evaluate the base (portal.base_registry
    .bases_kept_by: provincial HR only); EvaluationError for a year that is not one of
    evaluation_years(), a year before the base was set up, points missing or out of
    range, or a grade the total does not allow (check_grade).
    Writes the audit entry bases.evaluation.created / bases.evaluation.changed with
    the base, year, total, grade and the previous total and grade."""
    base = get_object_or_404(bases_kept_by(actor).select_for_update(), pk=base_pk)
    if year not in evaluation_years():
        raise EvaluationError(_("%(year)s cannot be evaluated.") % {"year": year})
    if year < base.valid_from.year:
        raise EvaluationError(
            _("The base was set up in %(from)s; it cannot be evaluated for %(year)s.")
            % {"from": base.valid_from.year, "year": year}
        )
    checked = _checked_scores(scores)
    total = sum(checked.values(), Decimal(0)).quantize(ONE_DECIMAL)
    remarks = (remarks or "").strip()
    check_grade(total, grade, remarks)
    evaluation = Evaluation.objects.filter(base=base, year=year).first()
    previous = (evaluation.total, evaluation.grade) if evaluation else (None, None)
    if evaluation is None:
        evaluation = Evaluation(base=base, year=year)
    evaluation.scores = {key: str(points) for key, points in checked.items()}
    evaluation.total, evaluation.grade, evaluation.remarks = total, grade, remarks
    evaluation.evaluated_by = actor.user
    evaluation.save()
    audit_log(
        actor=actor.user,
        action="bases.evaluation.changed"
        if previous[0] is not None
        else "bases.evaluation.created",
        base=base.pk,
        year=year,
        total=str(total),
        grade=grade,
        previous_total=str(previous[0]) if previous[0] is not None else None,
        previous_grade=previous[1],
    )
    return evaluation


@dataclass(frozen=True)
class ScoreLine:
    """A part of a saved evaluation: the part and the points given."""

    part: Part
    points: Decimal | None


def score_lines(evaluation: Evaluation) -> list[ScoreLine]:
    """The parts of `evaluation` in PARTS order with their points (None for a part
    the sheet did not have when it was saved)."""
    lines = []
    for part in PARTS:
        raw = evaluation.scores.get(part.key)
        lines.append(ScoreLine(part, Decimal(raw) if raw is not None else None))
    return lines


def evaluations_of(base: Base) -> QuerySet[Evaluation]:
    """A base's evaluations, latest year first (its staff read them)."""
    return Evaluation.objects.filter(base=base).order_by("-year")
