"""The yearly evaluation of bases (bases.evaluation): provincial HR's board of every
base's indicators for a year and its xlsx export, the score sheet of one base and
year, and the base's own read-only view of its evaluations."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from bases import evaluation as ev
from bases.evaluation_forms import ScoreSheetForm
from bases.models import Evaluation
from credits.forms import YearForm
from portal.actions import form_action
from portal.models import Role
from portal.pagination import page_with_total
from portal.roles import role_required
from portal.xlsx import xlsx_response

BASES_PER_PAGE = 50


def _year(request, years: list[int]) -> int:
    """`?year=` when it is one of `years`, else default_evaluation_year."""
    form = YearForm(request.GET)
    form.fields["year"].choices = [(year, str(year)) for year in years]
    return form.cleaned_data["year"] if form.is_valid() else ev.default_evaluation_year(years)


def _grade_label(grade) -> str:
    return str(Evaluation.Grade(grade).label) if grade else ""


def _with_figures(bases):
    """Hang each annotated base's figures and its grade's label on it (templates)."""
    for base in bases:
        base.figures = ev.figures_of(base)
        base.grade_label = _grade_label(base.evaluation_grade)
    return bases


@role_required(Role.PROVINCE_HR)
def evaluation_board(request):
    """Every base with its indicators of `?year=` (default: the last finished year),
    last year's values and the change, its evaluation of the year; 50 a page."""
    years = ev.evaluation_years()
    year = _year(request, years)
    page = page_with_total(
        ev.evaluation_board(request.membership, year), BASES_PER_PAGE, request.GET.get("page")
    )
    _with_figures(page.object_list)
    context = {
        "year": year,
        "years": years,
        "page": page,
        "query": urlencode({"year": year}),
        "indicators": ev.INDICATORS,
        "filing_days": ev.FILING_DAYS,
        "grade_minima": _grade_minima(),
    }
    return render(request, "bases/evaluation_board.html", context)


def _grade_minima() -> list[tuple[str, object]]:
    """(label, least total) of the grades that need a total (优秀, 合格)."""
    return [
        (Evaluation.Grade(grade).label, minimum)
        for grade, minimum in ev.GRADE_MINIMA.items()
        if minimum > 0
    ]


def board_headers() -> list[str]:
    """The export's columns: the base, its level and managing unit, then value, last
    year and change for every indicator, then the evaluation."""
    headers = [_("Base"), _("Base level"), _("Managing unit")]
    for indicator in ev.INDICATORS:
        label = str(indicator.label)
        headers += [
            label,
            _("%(indicator)s last year") % {"indicator": label},
            _("%(indicator)s change") % {"indicator": label},
        ]
    return [*headers, _("Total score"), _("Grade")]


def _number(value):
    """An xlsx cell: counts as int, the rest as float (one decimal shown)."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


def board_rows(bases):
    """The export's rows (board_headers' columns), one per base annotated by
    ev.bases_with_indicators: counts as int, hours, shares (per cent) and scores as
    float, None where there is nothing to measure."""
    for base in bases:
        row = [base.name, base.get_level_display(), base.managing_name]
        for figure in ev.figures_of(base):
            row += [_number(figure.value), _number(figure.previous), _number(figure.change)]
        row += [_number(base.evaluation_total), _grade_label(base.evaluation_grade)]
        yield row


@role_required(Role.PROVINCE_HR)
def evaluation_export(request):
    """The board of `?year=` (every base, not one page) as an xlsx download."""
    years = ev.evaluation_years()
    year = _year(request, years)
    bases = ev.evaluation_board(request.membership, year)
    return xlsx_response(
        _("base-evaluation-%(year)s.xlsx") % {"year": year},
        [(_("Base evaluation %(year)s") % {"year": year}, board_headers(), board_rows(bases))],
        fallback=f"base-evaluation-{year}.xlsx",
    )


@role_required(Role.PROVINCE_HR)
def evaluation_sheet(request, pk, year):
    """The score sheet of base `pk` for `year`: its indicators, then the form
    (ScoreSheetForm) provincial HR saves, and saves again to change it. 404 for a year
    that cannot be evaluated (evaluation_years) or a base it does not evaluate."""
    actor = request.membership
    if year not in ev.evaluation_years():
        raise Http404
    base = get_object_or_404(ev.evaluation_board(actor, year), pk=pk)
    suggestions = ev.suggested_points(ev.figure_values(base))
    evaluation = (
        Evaluation.objects.filter(pk=base.evaluation_pk).select_related("evaluated_by").first()
        if base.evaluation_pk
        else None
    )
    form = ScoreSheetForm(
        request.POST or None,
        suggestions=suggestions,
        initial=ScoreSheetForm.initial_from(evaluation, suggestions),
    )
    done = form_action(
        request,
        form,
        lambda data: ev.evaluation_save(
            actor=actor,
            base_pk=base.pk,
            year=year,
            scores=form.scores(),
            grade=data["grade"],
            remarks=data["remarks"],
        ),
        success=lambda saved: (
            _("The evaluation of %(base)s for %(year)s is saved: %(total)s points, %(grade)s.")
            % {
                "base": base.name,
                "year": year,
                "total": saved.total,
                "grade": saved.get_grade_display(),
            }
        ),
        redirect_to=lambda saved: ("bases:evaluation_sheet", base.pk, year),
    )
    context = {
        "base": base,
        "year": year,
        "figures": ev.figures_of(base),
        "evaluation": evaluation,
        "form": form,
        "full_marks": ev.FULL_MARKS,
        "filing_days": ev.FILING_DAYS,
        "grade_minima": _grade_minima(),
    }
    return done or render(request, "bases/evaluation_sheet.html", context)


@role_required(Role.BASE_STAFF, Role.PROVINCE_HR)
def base_evaluations(request, pk):
    """The evaluations of base `pk` (read only), latest year first, with the points
    of every part and the remarks: its own staff and provincial HR (scoping
    .bases_visible_to); 404 for any other base."""
    base = ev.get_visible_base_for(request.membership, pk)
    evaluations = [
        (evaluation, ev.score_lines(evaluation)) for evaluation in ev.evaluations_of(base)
    ]
    context = {"base": base, "evaluations": evaluations, "full_marks": ev.FULL_MARKS}
    return render(request, "bases/evaluation_results.html", context)
