"""Offline training sessions: attendees ticked or uploaded, hours posted on closing."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from learning.sessions.models import Attendance, OfflineSession
from learning.sessions.selectors import session_owner
from portal.actions import Refused
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


class SessionError(Refused):
    """A refusal the user reads, in Chinese."""


class AttendanceFileError(SessionError):
    """An attendance file with rows that cannot be taken: `problems` lists them (one
    message a row), and nothing was added."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@transaction.atomic
def session_create(*, actor, title, category, hours, held_on, place) -> OfflineSession:
    """Register an offline session organised by `actor` (a membership): her unit's,
    her authority's or the province's (learning.sessions.selectors.session_owner).
    `hours` as typed (a text); SessionError for hours the ledger refuses or a year
    without a rule."""
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
        created_by=actor.user,
        **session_owner(actor),
    )
    audit_log(actor=actor.user, action="learning.session.created", session=session.pk)
    return session


def _open(session: OfflineSession) -> None:
    if session.status != OfflineSession.Status.OPEN:
        raise SessionError(_("The session is closed; its attendance cannot change."))


@transaction.atomic
def attendance_add(*, session: OfflineSession, people, added_by) -> int:
    """Add `people` (users) to the attendance of an open session (those on it already
    stay once); the number of rows the attempt made. SessionError once it is closed."""
    session = OfflineSession.objects.select_for_update().get(pk=session.pk)
    _open(session)  # checked under the lock that closing takes too
    rows = [Attendance(session=session, person=p) for p in people]
    created = Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    audit_log(
        actor=added_by,
        action="learning.session.attendance_added",
        session=session.pk,
        people=[row.person_id for row in rows],
    )
    return len(created)


def attendees_in_file(*, upload, people) -> list:
    """The people of an attendance file's ID-number column, looked up among `people`
    (those the organiser may add); a name beside a number is checked against it.
    Raises AttendanceFileError listing every unknown, malformed, repeated or
    out-of-scope row, TableError for a file that cannot be taken. Adds nobody."""
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
        raise AttendanceFileError(problems)
    return list(found.values())


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
