"""Offline training sessions: attendees ticked or uploaded, hours posted on closing."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from learning.models import Attendance, OfflineSession
from portal import scoping
from portal.audit import audit_log
from portal.identity import normalize_name
from portal.models import Role
from portal.tabular import (
    Repeats,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_table,
    register_template,
)

ORGANISERS = (Role.UNIT_HR, Role.DEPARTMENT_ADMIN, Role.PROVINCE_HR)
MAX_ATTENDEES_FILE = 5000
ATTENDANCE_SPEC = TableSpec(
    columns=(
        id_number_column(),
        name_column(required=False),
    ),
    max_rows=MAX_ATTENDEES_FILE,
    title=gettext_lazy("Attendance"),
)
register_template(
    "attendance", ATTENDANCE_SPEC, roles=ORGANISERS, url_name="learning:session_template"
)


class SessionError(ValueError):
    """A refusal the user reads, in Chinese."""


def sessions_visible_to(actor) -> QuerySet[OfflineSession]:
    sessions = OfflineSession.objects.select_related("unit", "authority", "created_by")
    match getattr(actor, "role", None):
        case Role.UNIT_HR:
            return sessions.filter(unit__in=scoping.units_visible_to(actor))
        case Role.DEPARTMENT_ADMIN:
            return sessions.filter(authority__in=scoping.authorities_visible_to(actor))
        case Role.PROVINCE_HR:
            return sessions.filter(unit__isnull=True, authority__isnull=True)
    return sessions.none()


def session_create(*, actor, title, category, hours, held_on, place) -> OfflineSession:
    try:
        hours = clean_hours(hours)
    except LedgerError as error:
        raise SessionError(str(error)) from None
    if held_on.year not in ruled_years():
        raise SessionError(_("There is no rule for the year %(year)s.") % {"year": held_on.year})
    session = OfflineSession.objects.create(
        title=title,
        category=category,
        hours=hours,
        held_on=held_on,
        place=place,
        unit=actor.unit if actor.role == Role.UNIT_HR else None,
        authority=actor.authority if actor.role == Role.DEPARTMENT_ADMIN else None,
        created_by=actor.user,
    )
    audit_log(actor=actor.user, action="learning.session.created", session=session.pk)
    return session


def _open(session: OfflineSession) -> None:
    if session.status != OfflineSession.Status.OPEN:
        raise SessionError(_("The session is closed; its attendance cannot change."))


@transaction.atomic
def attendance_add(*, session: OfflineSession, people) -> int:
    session = OfflineSession.objects.select_for_update().get(pk=session.pk)
    _open(session)  # checked under the lock that closing takes too
    rows = [Attendance(session=session, person=p) for p in people]
    created = Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def attendance_from_file(*, session: OfflineSession, upload, people) -> list[str]:
    """Add the people of a file's ID-number column (a name beside it is checked
    against the number); any unknown, malformed, repeated or out-of-scope row is
    listed back and nothing is added. TableError for a file that cannot be taken."""
    _open(session)
    _table, data = read_table(upload, ATTENDANCE_SPEC)
    numbers = {row.values["id_number"] for row in data if row.ok}
    found = {p.id_number: p for p in people.filter(id_number__in=numbers)}
    repeats = Repeats()

    def check(row) -> None:
        number, name = row.values["id_number"], row.values.get("name")
        person = found.get(number)
        other = repeats.seen(number, row.number)
        if other:
            row.problem(
                _("the same person as row %(other)s") % {"other": other},
                ATTENDANCE_SPEC.column("id_number"),
            )
        elif person is None:
            row.problem(
                _("%(number)s is not a professional in your scope.") % {"number": number},
                ATTENDANCE_SPEC.column("id_number"),
            )
        elif name and name != normalize_name(person.real_name):
            row.problem(
                _("the name does not match the ID card number"), ATTENDANCE_SPEC.column("name")
            )

    problems = check_rows(data, check)
    if problems:
        return problems
    attendance_add(session=session, people=found.values())
    return []


@transaction.atomic
def session_close(*, session: OfflineSession, closed_by) -> int:
    """Close the session and post its hours to each attendee; a second close does
    nothing (and the ledger references would refuse a repeat anyway)."""
    session = OfflineSession.objects.select_for_update().get(pk=session.pk)
    _open(session)
    attendees = list(session.attendance.values_list("person_id", flat=True))
    if not attendees:
        raise SessionError(_("Add the attendees before closing the session."))
    result = credit_post_batch(
        [
            CreditRecord(
                person_id=person_id,
                year=session.held_on.year,
                category=session.category,
                hours=session.hours,
                source=Source.OFFLINE,
                source_ref=f"session:{session.pk}:{person_id}",
                description=session.title[:200],
                occurred_on=session.held_on,
            )
            for person_id in attendees
        ],
        recorded_by=closed_by,
        recorded_unit=session.unit,
    )
    session.status, session.closed_at = OfflineSession.Status.CLOSED, timezone.now()
    session.save(update_fields=["status", "closed_at"])
    audit_log(
        actor=closed_by, action="learning.session.closed", session=session.pk, posted=result.posted
    )
    return result.posted
