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

import logging
from contextlib import contextmanager

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import services
from certificates.models import BatchFailure, Bundle, Certificate, IssuanceBatch
from certificates.selectors import (
    compliant,
    eligible_without_certificate,
    people_of,
    valid_certificate,
)
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
from portal.actions import Refused
from portal.audit import audit_log
from portal.jobs import job_claim
from portal.models import JobStatus, User
from portal.pdf import MissingGlyphs

logger = logging.getLogger(__name__)

CHUNK = 25


def batch_people(batch: IssuanceBatch) -> QuerySet[User]:
    """The professionals the batch covers (its unit, its city, or the province)."""
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
        compliant(people, y, rules[y]).filter(Exists(valid_certificate(y))).count() for y in years
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
        run_batch.delay_on_commit(batch.pk)
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


UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def batch_start(batch_id: int, *, resume: bool = False) -> list[list[int]]:
    """Claim the batch and return its remaining work in chunks of CHUNK person ids;
    [] when there is nothing for this run to do.

    The claim is a conditional UPDATE to RUNNING, and its row count says whether this
    run won it. A start claims a QUEUED batch only: the same run_batch delivered
    twice, or one that a starting worker's resume got to first, finds it RUNNING and
    stops, so that the work is not queued twice. A resume (`resume`: a starting
    worker picking up what a killed one left, or a message delivered again after
    its worker died) claims a RUNNING batch too. A finished batch is never claimed.
    A batch claimed with no work left is finished at once (batch_refresh).
    """
    if not job_claim(IssuanceBatch.objects, batch_id, resume=resume):
        logger.info("certificate batch %s: already started or finished; this run stops", batch_id)
        return []
    batch = IssuanceBatch.objects.get(pk=batch_id)
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
        # Looked up on the module at call time: tests watch the render through it.
        certificate = services.certificate_render(certificate.pk)
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
    """Batches queued or running: what a starting worker resumes."""
    return IssuanceBatch.objects.filter(status__in=UNFINISHED)


def bundle_create(*, unit, year: int, requested_by) -> Bundle:
    """Start the printable bundle of `unit`'s valid certificates of `year`; its PDF is
    rendered on a worker after commit (bundle_render). Audited."""
    with transaction.atomic():
        bundle = Bundle.objects.create(
            unit=unit,
            year=year,
            requested_by=requested_by,
            total=Certificate.objects.filter(
                unit=unit, year=year, status=Certificate.Status.VALID
            ).count(),
        )
        audit_log(
            actor=requested_by,
            action="certificates.bundle.created",
            bundle=bundle.pk,
            unit=unit.pk,
            year=year,
        )
        render_bundle.delay_on_commit(bundle.pk)
    return bundle


def bundle_render(bundle_id: int) -> Bundle:
    """Render and store the bundle's PDF and finish it: FAILED with a message the
    unit's HR reads when the unit has no valid certificate of the year, or when no
    font draws part of their text. A bundle already finished is left as it is.

    The claim (a conditional UPDATE to RUNNING) takes a QUEUED or a RUNNING bundle:
    the render is idempotent (document_render_store), and a message delivered again
    after its worker died must finish the bundle, which nothing else would; it
    stops when the bundle finished meanwhile (0 rows)."""
    claimed = job_claim(Bundle.objects, bundle_id, resume=True)
    bundle = Bundle.objects.get(pk=bundle_id)
    if not claimed:
        return bundle
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


# -- the jobs on the workers ------------------------------------------------------------
#
# Defined beside the work they do, under the names they always had (the queued
# messages carry them); certificates.tasks re-exports them for autodiscovery. They
# acknowledge late and are safe to run twice; none retries (a batch resumes instead).


@contextmanager
def job_failure(model, job_id: int, message: str):
    """Finish the job `model` #`job_id` as FAILED when the block raises: with the
    refusal's own text for a portal.actions.Refused, else with `message` (Chinese,
    with %(number)s for the job's number), the exception logged with the job's
    number and never shown. A job finished meanwhile keeps its state."""
    try:
        yield
    except Refused as refusal:
        _fail(model, job_id, str(refusal))
    except Exception:
        logger.exception("%s %s failed", model._meta.label_lower, job_id)
        _fail(model, job_id, message % {"number": job_id})


def _fail(model, job_id: int, error: str) -> None:
    model.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=JobStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )


def batch_failed_message() -> str:
    """What a batch's page says when it stopped on an error that is not a refusal."""
    return _(
        "The batch stopped because of an error; please contact the administrator "
        "(job number %(number)s)."
    )


def bundle_failed_message() -> str:
    """What a bundle's page says when its PDF failed for a reason that is not a
    refusal."""
    return _(
        "The printable bundle could not be made; please contact the administrator "
        "(job number %(number)s)."
    )


@shared_task(
    bind=True, name="certificates.tasks.run_batch", acks_late=True, reject_on_worker_lost=True
)
def run_batch(self, batch_id: int, resume: bool = False) -> None:
    """Claim the batch and queue its remaining work, a chunk per task (batch_start);
    `resume` for a starting worker's resume. A message delivered again after its
    worker died is a resume too."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    with job_failure(IssuanceBatch, batch_id, batch_failed_message()):
        for chunk in batch_start(batch_id, resume=resume or redelivered):
            issue_chunk.delay(batch_id, chunk)


@shared_task(name="certificates.tasks.issue_chunk", acks_late=True, reject_on_worker_lost=True)
def issue_chunk(batch_id: int, person_ids: list[int]) -> None:
    """Issue and render what the chunk's people still need (batch_issue_chunk)."""
    with job_failure(IssuanceBatch, batch_id, batch_failed_message()):
        batch_issue_chunk(batch_id, person_ids)


@shared_task(name="certificates.tasks.render_bundle", acks_late=True, reject_on_worker_lost=True)
def render_bundle(bundle_id: int) -> None:
    """Render and store a printable bundle (bundle_render)."""
    with job_failure(Bundle, bundle_id, bundle_failed_message()):
        bundle_render(bundle_id)
