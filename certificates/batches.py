"""Batch issuance for a unit, a city or the province, and printable unit bundles.

A batch issues one year, or every year of a range (a unit catching up on the past
compliant years of its staff): each person-year that meets its own year's rule and
has no valid certificate gets one, with that year's serial.

A batch is idempotent and resumable: its work list is recomputed from the facts
(eligible person-years without a valid certificate, and this batch's certificates
still without a PDF), every step checks before it writes, and its progress is
counted from the certificates it produced, not incremented by the tasks. Running a
batch again, or after a worker was killed, finishes the work without duplicates.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import BatchFailure, Bundle, Certificate, IssuanceBatch
from certificates.services import (
    STYLESHEET,
    CertificateError,
    certificate_html,
    certificate_issue,
    document_render_store,
    render_blocked_reason,
)
from credits.eligibility import MAX_PERIOD_YEARS
from credits.models import YearRule
from portal.audit import audit_log
from portal.models import JobStatus, User
from portal.pdf import MissingGlyphs

CHUNK = 25


def people_of(*, unit=None, city=None) -> QuerySet[User]:
    people = User.objects.professionals()
    if unit is not None:
        return people.filter(profile__unit=unit)
    if city is not None:
        return people.filter(profile__unit__city=city)
    return people


def _valid_certificate(year):
    return Certificate.objects.filter(
        person=OuterRef("pk"), year=year, status=Certificate.Status.VALID
    )


def compliant(people: QuerySet, year: int, rule: YearRule) -> QuerySet:
    return people.filter(
        year_totals__year=year,
        year_totals__public_hours__gte=rule.public_min,
        year_totals__professional_hours__gte=rule.professional_min,
    )


def eligible_without_certificate(people: QuerySet, year: int, rule: YearRule) -> QuerySet:
    return compliant(people, year, rule).filter(~Exists(_valid_certificate(year)))


def batch_people(batch: IssuanceBatch) -> QuerySet[User]:
    return people_of(unit=batch.unit, city=batch.city)


def _rules(years) -> dict[int, YearRule]:
    return {rule.year: rule for rule in YearRule.objects.filter(year__in=list(years))}


def batch_create(
    *, year: int, requested_by, unit=None, city=None, end_year: int | None = None
) -> IssuanceBatch:
    """Start a batch for `year`, or for every year from `year` to `end_year`.

    `total` foresees the person-years to issue, `skipped` counts the compliant
    person-years that already hold a certificate. Raises CertificateError (in
    Chinese), writing nothing, when the range runs backwards, spans more than
    MAX_PERIOD_YEARS years, or a year of it has no rule. Audited; the work is queued
    after commit.
    """
    end_year = year if end_year is None else end_year
    if end_year < year:
        raise CertificateError(_("The last year must not be before the first year."))
    if end_year - year >= MAX_PERIOD_YEARS:
        raise CertificateError(
            _("A batch may span at most %(count)d years.") % {"count": MAX_PERIOD_YEARS}
        )
    years = range(year, end_year + 1)
    rules = _rules(years)
    if without := [y for y in years if y not in rules]:
        raise CertificateError(
            _("There is no rule for the year %(year)s.")
            % {"year": "、".join(str(y) for y in without)}
        )
    people = people_of(unit=unit, city=city)
    total = sum(eligible_without_certificate(people, y, rules[y]).count() for y in years)
    skipped = sum(
        compliant(people, y, rules[y]).filter(Exists(_valid_certificate(y))).count() for y in years
    )
    with transaction.atomic():
        batch = IssuanceBatch.objects.create(
            year=year,
            end_year=end_year if end_year != year else None,
            unit=unit,
            city=city,
            requested_by=requested_by,
            total=total,
            skipped=skipped,
        )
        audit_log(
            actor=requested_by,
            action="certificates.batch.created",
            batch=batch.pk,
            year=year,
            end_year=end_year,
            scope=batch.scope_label,
        )
        from certificates.tasks import run_batch

        transaction.on_commit(lambda: run_batch.delay(batch.pk))
    return batch


def _work_by_year(batch: IssuanceBatch, people: QuerySet) -> dict[int, set[int]]:
    """Per year of the batch, which of `people` still need something: eligible
    without a certificate (and not failed that year before), or holding this batch's
    certificate of that year without its PDF."""
    rules = _rules(batch.years)
    work = {}
    for year in batch.years:
        failed = BatchFailure.objects.filter(batch=batch, year=year).values("person_id")
        to_issue = eligible_without_certificate(people, year, rules[year]).exclude(pk__in=failed)
        to_render = Certificate.objects.filter(
            batch=batch,
            year=year,
            person__in=people,
            pdf_sha256="",
            render_blocked="",
            status=Certificate.Status.VALID,
        ).values_list("person_id", flat=True)
        work[year] = set(to_issue.values_list("pk", flat=True)) | set(to_render)
    return work


def batch_work(batch: IssuanceBatch) -> list[int]:
    """Who still needs something in some year of the batch (person ids, sorted)."""
    return sorted(set().union(*_work_by_year(batch, batch_people(batch)).values()))


def batch_start(batch_id: int) -> list[list[int]]:
    """Mark the batch running and return its remaining work in chunks."""
    batch = IssuanceBatch.objects.get(pk=batch_id)
    if batch.finished:
        return []
    IssuanceBatch.objects.filter(pk=batch_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    work = batch_work(batch)
    if not work:
        batch_refresh(batch_id)
    return [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]


def batch_issue_chunk(batch_id: int, person_ids: list[int]) -> None:
    """Issue and render what the chunk's people still need, year by year; a
    person-year that is refused is recorded as a failure of that year."""
    batch = IssuanceBatch.objects.select_related("requested_by").get(pk=batch_id)
    people = batch_people(batch).filter(pk__in=person_ids)
    work = _work_by_year(batch, people)
    for person in User.objects.filter(pk__in=person_ids).order_by("pk"):
        for year in batch.years:
            if person.pk in work[year]:
                _issue_one(batch, person, year)
        # Progress after every person, not per chunk: the page shows what is issued.
        batch_count(batch_id)
    batch_refresh(batch_id)


def _issue_one(batch: IssuanceBatch, person, year: int) -> None:
    from certificates.services import certificate_render

    certificate = Certificate.objects.filter(
        person=person, year=year, status=Certificate.Status.VALID
    ).first()
    try:
        if certificate is None:
            certificate = certificate_issue(
                person=person, year=year, issued_by=batch.requested_by, batch=batch, render=False
            )
    except CertificateError as error:
        certificate = Certificate.objects.filter(
            person=person, year=year, status=Certificate.Status.VALID
        ).first()
        if certificate is None:  # a real refusal, not a parallel run that won
            BatchFailure.objects.get_or_create(
                batch=batch, person=person, year=year, defaults={"reason": str(error)[:300]}
            )
            return
    if certificate.batch_id == batch.pk:
        certificate = certificate_render(certificate.pk)
        if certificate.render_blocked:  # no font draws part of it: flagged, not issued
            BatchFailure.objects.get_or_create(
                batch=batch,
                person=person,
                year=year,
                defaults={"reason": render_blocked_reason(certificate.render_blocked)},
            )


def _counts(batch_id: int) -> dict[str, int]:
    return {
        "done": Certificate.objects.filter(batch_id=batch_id).exclude(pdf_sha256="").count(),
        "failed": BatchFailure.objects.filter(batch_id=batch_id).count(),
    }


def batch_count(batch_id: int) -> None:
    """Recount the batch's progress from the facts (certificates with their PDF,
    failures); cheap enough to run after every certificate."""
    IssuanceBatch.objects.filter(pk=batch_id).update(**_counts(batch_id))


def batch_refresh(batch_id: int) -> IssuanceBatch:
    """Recount progress from the facts; finish the batch when nothing is left."""
    batch = IssuanceBatch.objects.get(pk=batch_id)
    # Finished when nothing is left to do, whatever `total` foresaw: certificates
    # issued by hand or by another batch meanwhile shrink the work. Whether work is
    # left is asked before counting: once nothing is left no run of the batch (a
    # chunk delivered twice, a batch resumed by a starting worker) adds a
    # certificate, so the counts are final; counted first, a parallel run's last PDF
    # could land in between and `done` outgrow `total`.
    finishing = not batch.finished and not batch_work(batch)
    fields = _counts(batch_id)
    if finishing:
        fields.update(
            status=JobStatus.DONE,
            finished_at=timezone.now(),
            total=fields["done"] + fields["failed"],
        )
    IssuanceBatch.objects.filter(pk=batch_id).update(**fields)
    batch.refresh_from_db()
    return batch


def unfinished_batches() -> QuerySet[IssuanceBatch]:
    return IssuanceBatch.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])


def bundle_create(*, unit, year: int, requested_by) -> Bundle:
    with transaction.atomic():
        bundle = Bundle.objects.create(
            unit=unit,
            year=year,
            requested_by=requested_by,
            total=Certificate.objects.filter(
                unit=unit, year=year, status=Certificate.Status.VALID
            ).count(),
        )
        from certificates.tasks import render_bundle

        transaction.on_commit(lambda: render_bundle.delay(bundle.pk))
    return bundle


def bundle_render(bundle_id: int) -> Bundle:
    bundle = Bundle.objects.get(pk=bundle_id)
    if bundle.finished:
        return bundle
    Bundle.objects.filter(pk=bundle_id).update(status=JobStatus.RUNNING)
    certificates = list(
        Certificate.objects.filter(
            unit=bundle.unit, year=bundle.year, status=Certificate.Status.VALID
        ).order_by("serial")
    )
    if not certificates:
        Bundle.objects.filter(pk=bundle_id).update(
            status=JobStatus.FAILED,
            error=_("The unit has no valid certificate for this year."),
            finished_at=timezone.now(),
        )
        bundle.refresh_from_db()
        return bundle
    try:
        document_render_store(
            instance=bundle,
            html=lambda: certificate_html(certificates),
            name=f"bundles/{bundle.year}/unit-{bundle.unit_id}-{bundle.pk}.pdf",
            stylesheets=(STYLESHEET,),
            status=JobStatus.DONE,
            done=len(certificates),
            total=len(certificates),
            finished_at=timezone.now(),
        )
    except MissingGlyphs as missing:
        Bundle.objects.filter(pk=bundle_id).update(
            status=JobStatus.FAILED,
            error=render_blocked_reason(missing.characters),
            finished_at=timezone.now(),
        )
    bundle.refresh_from_db()
    return bundle
