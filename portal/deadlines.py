"""Late is late: the one rule for "on time / overdue / filed late" of anything due by a
date (roster filings, plan and notice filings). Every status function of a filing asks
this module, so no page and no template decides lateness by itself."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    """The calendar day (in the portal's time zone) of an aware datetime."""
    return timezone.localdate(moment) if moment is not None else None


@dataclass(frozen=True)
class Lateness:
    """Where a duty stands against its due date.

    `due_on` is the last day on which doing it is on time; `done_on` the day it was
    done (None while it is still waiting); `today` the day the page is looked at.
    A thing done after its due date stays late for ever; a thing still waiting after
    its due date is overdue, and both count the days past the due date.
    """

    due_on: datetime.date
    done_on: datetime.date | None
    today: datetime.date

    @property
    def days_left(self) -> int:
        """Days until the due date (negative once it has passed)."""
        return (self.due_on - self.today).days

    @property
    def days_late(self) -> int:
        """Days past the due date: on the day it was done, or today while waiting."""
        return max(0, ((self.done_on or self.today) - self.due_on).days)

    @property
    def late(self) -> bool:
        """Done, but after the due date."""
        return self.done_on is not None and self.days_late > 0

    @property
    def overdue(self) -> bool:
        """Not done, and the due date has passed."""
        return self.done_on is None and self.days_late > 0

    @property
    def text(self) -> str:
        """逾期报送N天 / 已逾期N天, or an empty string when nothing is late."""
        if self.late:
            return ngettext(
                "filed %(days)s day late", "filed %(days)s days late", self.days_late
            ) % {"days": self.days_late}
        if self.overdue:
            return ngettext(
                "overdue by %(days)s day", "overdue by %(days)s days", self.days_late
            ) % {"days": self.days_late}
        return ""


def filing_lateness(
    *, due_on: datetime.date, first_done_at: datetime.datetime | None, today: datetime.date
) -> Lateness:
    """The one lateness rule of every filing (roster filings, plan and notice filings):
    the FIRST submission decides. `first_done_at` is when the filing was first
    submitted (None if it never was). A later version, a return by the reviewer and a
    resubmission change nothing: a filing first made on time and returned after the
    due date is not overdue, and one first made late stays late for ever."""
    return Lateness(due_on=due_on, done_on=local_day(first_done_at), today=today)


def status_label(status, lateness: Lateness) -> str:
    """The one way a filing's status is written, on every page and in every export:
    its state (待报送, 已报送, 已确认, 已退回, 未报送 …) and, when it was filed late or
    is overdue, how late in brackets: 已报送（逾期报送5天）, 待报送（已逾期3天）."""
    if not lateness.text:
        return str(status)
    return _("%(status)s (%(lateness)s)") % {"status": status, "lateness": lateness.text}
