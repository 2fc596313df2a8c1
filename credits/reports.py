"""Annual 30/60 compliance reports: computed in SQL from the per-person-year totals
(which `verify_ledger` proves equal to the ledger), written as xlsx and PDF by a
Celery task, with progress on the job row.

The job protocol (ARCHITECTURE.md): `report_request` and `report_retry` queue the
task `run_report`, defined here beside its work (registered as
"credits.tasks.run_report", re-exported by credits.tasks), on commit; the task claims
the job before it starts (report_run). Users read only ReportError's messages (and
a general one with the job number); anything else is logged with the job id.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import ReportJob, YearRule
from credits.selectors import staff_compliance
from portal.actions import Refused
from portal.audit import audit_log
from portal.jobs import job_claim
from portal.models import JobStatus, TitleLevel, TitleSeries
from portal.pdf import render_pdf
from portal.selectors import staff_of_unit_in_year, year_bounds
from portal.svg import bar_chart, column_chart
from portal.xlsx import workbook_bytes

logger = logging.getLogger(__name__)
STEPS = 3  # aggregate, xlsx, pdf
PDF_ROWS = 40
BUCKETS = [(0, 30), (30, 60), (60, 90), (90, 120), (120, None)]
COUNTS = ("people", "compliant", "short_public", "short_professional", "short_both")


class ReportError(Refused):
    """A report refused or failed for a reason the user may read (no rule for the
    year, nothing to retry); other failures are logged and shown generically
    (failed_message)."""


# Each approved person counts once a year, for the unit she was in at the end of the
# year: her present unit since she joined it, before that the unit she left (the
# same rule as portal.selectors.staff_of_unit_in_year).
_PEOPLE = """
    SELECT pp.user_id, u.id AS unit_id, u.name AS unit_name, c.name AS city_name,
           u.is_province_direct, pp.title_series, pp.title_level,
           COALESCE(t.public_hours, 0) AS pub, COALESCE(t.professional_hours, 0) AS prof
    FROM (
        SELECT user_id AS person_id, unit_id FROM portal_professionalprofile
        WHERE status = 'approved' AND (unit_since IS NULL OR unit_since < %(next_year)s)
        UNION ALL
        SELECT person_id, unit_id FROM portal_pastemployment
        WHERE ended_at >= %(next_year_at)s
          AND (started_on IS NULL OR started_on < %(next_year)s)
    ) m
    JOIN portal_professionalprofile pp ON pp.user_id = m.person_id
    JOIN portal_unit u ON u.id = m.unit_id
    JOIN portal_city c ON c.id = u.city_id
    LEFT JOIN credits_personyeartotal t ON t.person_id = pp.user_id AND t.year = %(year)s
    WHERE {scope}
"""
_SCOPE_WHERE = {
    ReportJob.Scope.UNIT: "u.id = %(unit)s",
    ReportJob.Scope.CITY: "u.city_id = %(city)s",
    ReportJob.Scope.AUTHORITY: "u.authority_id = %(authority)s",
    ReportJob.Scope.PROVINCE: "TRUE",
}
# The next level down: province -> cities and province-direct units; city and
# authority -> units; unit -> title series and level.
_GROUP = {
    ReportJob.Scope.PROVINCE: (
        "CASE WHEN is_province_direct THEN 'u' || unit_id ELSE 'c' || city_name END",
        "CASE WHEN is_province_direct THEN unit_name ELSE city_name END",
    ),
    ReportJob.Scope.CITY: ("CAST(unit_id AS TEXT)", "unit_name"),
    ReportJob.Scope.AUTHORITY: ("CAST(unit_id AS TEXT)", "unit_name"),
    ReportJob.Scope.UNIT: (
        "title_series || '/' || title_level",
        "title_series || '/' || title_level",
    ),
}
_BREAKDOWN = """
    WITH people AS ({people})
    SELECT {key} AS key, {label} AS label, COUNT(*) AS people,
        COUNT(*) FILTER (WHERE pub >= %(pmin)s AND prof >= %(fmin)s) AS compliant,
        COUNT(*) FILTER (WHERE pub < %(pmin)s AND prof >= %(fmin)s) AS short_public,
        COUNT(*) FILTER (WHERE pub >= %(pmin)s AND prof < %(fmin)s) AS short_professional,
        COUNT(*) FILTER (WHERE pub < %(pmin)s AND prof < %(fmin)s) AS short_both,
        {buckets}
    FROM people GROUP BY 1, 2 ORDER BY 2, 1
"""


def _params(job: ReportJob, rule: YearRule) -> dict:
    next_year, next_year_at = year_bounds(job.year)
    return {
        "year": job.year,
        "next_year": connection.ops.adapt_datefield_value(next_year),
        "next_year_at": connection.ops.adapt_datetimefield_value(next_year_at),
        "unit": job.unit_id,
        "city": job.city_id,
        "authority": job.authority_id,
        # Floats: SQLite compares a number with a Decimal's text as text.
        "pmin": float(rule.public_min),
        "fmin": float(rule.professional_min),
    }


def _sql(job: ReportJob, template: str, **parts) -> str:
    people = _PEOPLE.format(scope=_SCOPE_WHERE[job.scope])
    return template.format(people=people, **parts)


def _rate(row: dict) -> float:
    return round(row["compliant"] * 100 / row["people"], 1) if row["people"] else 0.0


def _label_of_title(label: str) -> str:
    series, _slash, level = label.partition("/")
    return (
        f"{dict(TitleSeries.choices).get(series, _('not given'))} · "
        f"{dict(TitleLevel.choices).get(level, _('not given'))}"
    )


def report_compute(job: ReportJob) -> dict:
    """The report's figures, from one SQL statement whatever the size of the scope."""
    rule = YearRule.objects.filter(year=job.year).first()
    if rule is None:
        raise ReportError(_("There is no rule for the year %(year)s.") % {"year": job.year})
    params = _params(job, rule)
    key, label = _GROUP[job.scope]
    buckets = ", ".join(
        f"COUNT(*) FILTER (WHERE pub + prof >= {low}"
        + (f" AND pub + prof < {high})" if high else ")")
        + f" AS b{index}"
        for index, (low, high) in enumerate(BUCKETS)
    )
    with connection.cursor() as cursor:
        cursor.execute(_sql(job, _BREAKDOWN, key=key, label=label, buckets=buckets), params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    distribution = [sum(row.pop(f"b{i}") for row in rows) for i in range(len(BUCKETS))]
    for row in rows:
        if job.scope == ReportJob.Scope.UNIT:
            row["label"] = _label_of_title(row["label"])
        row["rate"] = _rate(row)
    total = {name: sum(row[name] for row in rows) for name in COUNTS}
    total["rate"] = _rate(total)
    return {
        "scope": job.scope_label,
        "year": job.year,
        "public_min": str(rule.public_min),
        "professional_min": str(rule.professional_min),
        "total": total,
        "rows": rows,
        "distribution": [
            {"label": f"{low}–{high}" if high else f"{low}+", "people": count}
            for (low, high), count in zip(BUCKETS, distribution, strict=True)
        ],
    }


def _xlsx(job: ReportJob, content: dict, rule: YearRule) -> bytes:
    t = content["total"]
    headers = ["人数", "达标", "仅公需未达标", "仅专业未达标", "均未达标", "达标率(%)"]
    summary = [
        ["范围", content["scope"]],
        ["年度", content["year"]],
        ["公需科目要求（学时）", float(rule.public_min)],
        ["专业科目要求（学时）", float(rule.professional_min)],
        *[[h, t[name]] for h, name in zip(headers, [*COUNTS, "rate"], strict=True)],
    ]
    sheets = [
        ("汇总", ["项目", "数值"], summary),
        (
            "分组",
            ["分组", *headers],
            ([r["label"], *(r[n] for n in COUNTS), r["rate"]] for r in content["rows"]),
        ),
    ]
    if job.scope == ReportJob.Scope.UNIT:
        people = staff_compliance(
            staff_of_unit_in_year(job.unit_id, job.year).select_related("profile"),
            job.year,
            rule,
        ).order_by("real_name", "id")
        sheets.append(
            (
                "人员",
                [
                    "姓名",
                    "身份证号",
                    "公需科目学时",
                    "专业科目学时",
                    "合计学时",
                    "公需还差",
                    "专业还差",
                ],
                (
                    [
                        p.real_name,
                        p.id_number if job.full_ids else p.masked_id_number,
                        float(p.public_hours),
                        float(p.professional_hours),
                        float(p.public_hours + p.professional_hours),
                        float(max(Decimal(0), rule.public_min - p.public_hours)),
                        float(max(Decimal(0), rule.professional_min - p.professional_hours)),
                    ]
                    for p in people.iterator(chunk_size=2000)
                ),
            )
        )
    return workbook_bytes(sheets)


def pdf_rows(rows: list[dict]) -> list[dict]:
    """At most PDF_ROWS breakdown rows in the PDF (the xlsx has them all): the largest
    groups, then one row for the rest. Rendering stays fast for any scope."""
    if len(rows) <= PDF_ROWS:
        return rows
    largest = sorted(rows, key=lambda r: -r["people"])[: PDF_ROWS - 1]
    kept = {id(r) for r in largest}
    rest = [r for r in rows if id(r) not in kept]
    other = {name: sum(r[name] for r in rest) for name in COUNTS}
    other["label"] = _("%(count)s more groups (see the Excel file)") % {"count": len(rest)}
    other["rate"] = _rate(other)
    return [r for r in rows if id(r) in kept] + [other]


def _pdf(content: dict) -> bytes:
    content = {**content, "rows": pdf_rows(content["rows"])}
    charts = {
        "rates": bar_chart([(r["label"], r["rate"]) for r in content["rows"]]),
        "distribution": column_chart([(d["label"], d["people"]) for d in content["distribution"]]),
    }
    html = render_to_string(
        "credits/report_pdf.html",
        {"content": content, "charts": charts, "portal_name": settings.PORTAL_NAME},
    )
    return render_pdf(html)


def _step(job: ReportJob, **fields) -> None:
    ReportJob.objects.filter(pk=job.pk).update(done=job.done, **fields)


def failed_message(job_id: int) -> str:
    """What the report's page says of a failure that is no ReportError (logged)."""
    return _(
        "The report could not be produced; please try again, or contact the "
        "administrator (job number %(number)s)."
    ) % {"number": job_id}


def report_claim(job_id: int, *, resume: bool = False) -> bool:
    """Claim the job for this run: a conditional UPDATE to RUNNING whose row count
    says whether this run won it. A first delivery claims a QUEUED job only, so that
    a second run of one job (the task queued twice) stops at once; a resume (`resume`:
    the task's message delivered again after its worker died mid-report) claims a
    RUNNING job too, which then starts again from the first step. A finished job is
    never claimed (a retry puts a failed one back to QUEUED first)."""
    return job_claim(ReportJob.objects, job_id, resume=resume, done=0, total=STEPS, error="")


def report_run(job_id: int, *, resume: bool = False) -> ReportJob:
    """Claim the job (report_claim), then compute, write the xlsx, render the PDF;
    each step moves the progress on. A run that loses the claim changes nothing and
    returns the job as it is.

    Ends DONE with both files, or FAILED with `error`: a ReportError's message, or
    failed_message() (with the job number) for anything else, which is logged with
    the job id and not raised again (the job row holds the outcome)."""
    if not report_claim(job_id, resume=resume):
        logger.info("report %s: already started or finished; this run stops", job_id)
        return ReportJob.objects.get(pk=job_id)
    job = ReportJob.objects.select_related("unit", "authority", "city").get(pk=job_id)
    try:
        content = report_compute(job)
        rule = YearRule.objects.get(year=job.year)
        job.done = 1
        _step(job, summary=content)
        xlsx = _xlsx(job, content, rule)
        job.done = 2
        _step(job)
        pdf = _pdf(content)
        stem = f"reports/{job.year}/report-{job.pk}"
        job.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        job.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    except ReportError as error:
        _step(job, status=JobStatus.FAILED, error=str(error), finished_at=timezone.now())
        return ReportJob.objects.get(pk=job_id)
    except Exception:
        logger.exception("report %s failed", job_id)
        _step(
            job, status=JobStatus.FAILED, error=failed_message(job_id), finished_at=timezone.now()
        )
        return ReportJob.objects.get(pk=job_id)
    job.done = STEPS
    _step(
        job,
        xlsx=job.xlsx.name,
        pdf=job.pdf.name,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=settings.REPORT_RETENTION_DAYS),
    )
    return ReportJob.objects.get(pk=job_id)


@shared_task(bind=True, name="credits.tasks.run_report", acks_late=True, reject_on_worker_lost=True)
def run_report(self, job_id: int) -> None:
    """Produce a report (report_run); queued on commit by report_request and
    report_retry. A message delivered again after its worker died resumes the job."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    report_run(job_id, resume=redelivered)


def report_request(
    *, year: int, requested_by=None, scope: str, target=None, full_ids: bool = True
) -> ReportJob:
    """Queue a report of `year` on `scope` (ReportJob.Scope; `target` the city,
    authority or unit, None for the province), audited as "credits.report.requested"
    (`requested_by` None: a scheduled report). The caller has checked the scope
    through credits.selectors.report_target; `full_ids` is whether the requester sees
    ID numbers in full (portal.scoping.sees_full_id_numbers). run_report is queued on
    commit."""
    fields = {scope: target} if target is not None else {}
    with transaction.atomic():
        job = ReportJob.objects.create(
            year=year,
            scope=scope,
            requested_by=requested_by,
            total=STEPS,
            full_ids=full_ids,
            **fields,
        )
        audit_log(
            actor=requested_by,
            action="credits.report.requested",
            report=job.pk,
            year=year,
            scope=scope,
            target=getattr(target, "pk", None),
        )
        run_report.delay_on_commit(job.pk)
    return job


def report_retry(job: ReportJob, *, actor=None) -> ReportJob:
    """Put a failed report back in the queue (a conditional UPDATE from FAILED, so
    that two clicks queue it once), audited as "credits.report.retried", and queue
    run_report on commit. ReportError when the job has not failed (it is queued,
    running or done: nothing to retry)."""
    with transaction.atomic():
        updated = ReportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED, done=0, error="", finished_at=None
        )
        if not updated:
            raise ReportError(_("This report is not waiting to be tried again."))
        audit_log(actor=actor, action="credits.report.retried", report=job.pk)
        run_report.delay_on_commit(job.pk)
    job.refresh_from_db()
    return job


def purge_expired_reports() -> int:
    """Delete the files of reports past their retention; the rows stay as history,
    marked expired. Returns how many reports were purged; audited once per run that
    purges any ("credits.report.files_purged"). Safe to run twice: a purged report
    is not expired again."""
    expired = ReportJob.objects.filter(expires_at__lt=timezone.now(), expired=False)
    purged = []
    for job in expired:
        for file in (job.xlsx, job.pdf):
            if file:
                file.storage.delete(file.name)
        if ReportJob.objects.filter(pk=job.pk, expired=False).update(expired=True, xlsx="", pdf=""):
            purged.append(job.pk)
    if purged:
        audit_log(
            actor=None, action="credits.report.files_purged", count=len(purged), reports=purged
        )
    return len(purged)


def annual_reports(year: int | None = None) -> list[ReportJob]:
    """Every city's and the province's report for the previous year (Celery beat)."""
    from portal.models import City

    year = year or timezone.localdate().year - 1
    jobs = [report_request(year=year, scope=ReportJob.Scope.PROVINCE)]
    for city in City.objects.all():
        jobs.append(report_request(year=year, scope=ReportJob.Scope.CITY, target=city))
    return jobs
