"""Filings with the provincial HR department (the notice, section 五(二)): each
authority's professional-subject plan and each city HR bureau's yearly notice, as Word
and PDF, by the year's deadline (default 30 April); the board; daily reminders."""

import datetime
import logging
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Filing, FilingDeadline, FilingReminder, ProfessionalPlan
from learning.plans import plan_docx, plan_pdf, published_view
from portal.audit import audit_log
from portal.models import Authority, City, Membership, Role

MAX_BYTES = 20 * 1024 * 1024
logger = logging.getLogger(__name__)


class FilingError(ValueError):
    """A refusal the user reads, in Chinese."""


def deadline(year: int) -> datetime.date:
    row = FilingDeadline.objects.filter(year=year).first()
    return row.due_on if row else datetime.date(year, 4, 30)


def _check_word(upload) -> None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the old .doc (OLE) format
        return
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                if "word/document.xml" in archive.namelist():
                    upload.seek(0)
                    return
        except zipfile.BadZipFile:
            pass
    raise FilingError(_("The Word file is not a Word document (judged by its content)."))


def check_files(word, pdf) -> None:
    if not word or not pdf:
        raise FilingError(_("Both the Word and the PDF file are required."))
    for upload in (word, pdf):
        if upload.size > MAX_BYTES:
            raise FilingError(_("%(name)s is larger than 20 MB.") % {"name": upload.name})
    _check_word(word)
    pdf.seek(0)
    if not pdf.read(5).startswith(b"%PDF-"):
        raise FilingError(_("The PDF file is not a PDF (judged by its content)."))
    pdf.seek(0)


def filing_submit(*, actor, year: int, word, pdf) -> Filing:
    """File for the actor's authority (its plan) or city (its notice), once a year."""
    check_files(word, pdf)
    if actor.role == Role.DEPARTMENT_ADMIN:
        target = {"kind": Filing.Kind.PLAN, "authority": actor.authority}
    elif actor.role == Role.CITY_HR:
        target = {"kind": Filing.Kind.NOTICE, "city": actor.city}
    else:
        raise FilingError(_("Only department admins and city HR bureaus file."))
    filing = Filing(year=year, filed_at=timezone.now(), filed_by=actor.user, **target)
    stem = f"filings/{year}/{target['kind']}-{(actor.authority_id or actor.city_id)}"
    try:
        with transaction.atomic():
            filing.word.save(
                f"{stem}.{'docx' if word.name.endswith('x') else 'doc'}", word, save=False
            )
            filing.pdf.save(f"{stem}.pdf", pdf, save=False)
            filing.save()
    except IntegrityError:
        raise FilingError(_("This year's filing has been made already.")) from None
    audit_log(actor=actor.user, action="learning.filing.submitted", filing=filing.pk)
    return filing


def filing_from_plan(*, actor, plan: ProfessionalPlan) -> Filing:
    """One click: the latest published version's own Word and PDF."""
    view = published_view(plan)
    if view is None:
        raise FilingError(_("Publish the plan before filing it."))
    word = ContentFile(plan_docx(view), name=f"plan-{plan.year}.docx")
    pdf = ContentFile(plan_pdf(view), name=f"plan-{plan.year}.pdf")
    return filing_submit(actor=actor, year=plan.year, word=word, pdf=pdf)


@dataclass
class BoardRow:
    kind: str
    name: str
    authority: Authority | None
    city: City | None
    status: str
    filing: Filing | None

    @property
    def overdue(self) -> bool:
        return self.status in ("missing", "late")


STATUS_LABELS = {
    "not_started": _("not started"),
    "draft": _("draft"),
    "on_time": _("filed on time"),
    "late": _("filed late"),
    "missing": _("missing"),
}


def board(year: int, today: datetime.date | None = None) -> list[BoardRow]:
    """Every authority and every city with the status of its filing on `today`."""
    today = today or timezone.localdate()
    due = deadline(year)
    filings = Filing.objects.filter(year=year)
    by_authority = {f.authority_id: f for f in filings if f.authority_id}
    by_city = {f.city_id: f for f in filings if f.city_id}
    drafts = set(ProfessionalPlan.objects.filter(year=year).values_list("authority_id", flat=True))

    def status(filing, has_draft):
        if filing:
            return "on_time" if timezone.localtime(filing.filed_at).date() <= due else "late"
        if today > due:
            return "missing"
        return "draft" if has_draft else "not_started"

    rows = [
        BoardRow(
            Filing.Kind.PLAN,
            a.name,
            a,
            None,
            status(by_authority.get(a.pk), a.pk in drafts),
            by_authority.get(a.pk),
        )
        for a in Authority.objects.all()
    ]
    rows += [
        BoardRow(
            Filing.Kind.NOTICE, c.name, None, c, status(by_city.get(c.pk), False), by_city.get(c.pk)
        )
        for c in City.objects.filter(is_province_direct=False)
    ]
    return rows


def filers_missing(year: int) -> list[BoardRow]:
    return [row for row in board(year) if row.filing is None]


def send_reminders(today: datetime.date | None = None) -> list[BoardRow]:
    """In April, once a day at most per filer: a reminder on the home page (the
    FilingReminder row) and an e-mail to the filer's people who have an address."""
    today = today or timezone.localdate()
    year = today.year
    reminded = []
    for row in filers_missing(year):
        try:
            with transaction.atomic():
                FilingReminder.objects.create(
                    year=year, authority=row.authority, city=row.city, sent_on=today
                )
        except IntegrityError:
            continue  # reminded today already
        scope = {"authority": row.authority} if row.authority else {"city": row.city}
        emails = list(
            Membership.objects.filter(**scope)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if emails:
            try:
                send_mail(
                    _("Continuing-education filing due %(date)s") % {"date": deadline(year)},
                    _(
                        "%(name)s has not yet filed its %(year)s filing with the provincial HR "
                        "department. The deadline is %(date)s."
                    )
                    % {"name": row.name, "year": year, "date": deadline(year)},
                    settings.DEFAULT_FROM_EMAIL,
                    emails,
                )
            except OSError:  # the home-page reminder stands; one bad mailbox stops nobody
                logger.exception("filing reminder e-mail to %s failed", row.name)
        reminded.append(row)
    return reminded


def board_xlsx_rows(rows: list[BoardRow]):
    for row in rows:
        filed = timezone.localtime(row.filing.filed_at).replace(tzinfo=None) if row.filing else None
        yield [row.name, str(Filing.Kind(row.kind).label), str(STATUS_LABELS[row.status]), filed]
