"""The teaching achievements the quality-course selection gives a teacher, for the
title-evaluation check and the eligibility statement (credits.achievements: this app
registers `selected_courses_of` from LearningConfig.ready, since credits and
certificates may not import learning).

The notice, section 二(三): a selected quality online public course
"可视同授课教师的教学成果或代表性论文，作为职称评审的重要参考" (RULES.md "Quality
online public courses").
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credits.achievements import Achievement
from learning.quality.models import QualityNomination


def selected_courses_of(person) -> list[Achievement]:
    """The courses `person` teaches (Course.teacher) that the selection chose
    (QualityNomination SELECTED, confirmed by provincial HR), one Achievement per
    selection: 教学成果（优质在线公需课）, the course's title, the selection's year and
    the decision in a sentence ("2025年度入选，省人社厅于2025年11月20日确认", the date
    left out where none was recorded). Newest year first; one query. Pending,
    shortlisted and declined nominations are no achievement."""
    rows = (
        QualityNomination.objects.filter(
            course__teacher=person, status=QualityNomination.Status.SELECTED
        )
        .order_by("-year", "course__title", "pk")
        .values_list("year", "decided_at", "course__title")
    )
    kind = _("Teaching achievement (quality online public course)")
    achievements = []
    for year, decided_at, title in rows:
        decided_on = timezone.localdate(decided_at) if decided_at else None
        if decided_on:
            decision = _("Selected in %(year)s; confirmed by provincial HR on %(date)s") % {
                "year": year,
                "date": date_format(decided_on),
            }
        else:
            decision = _("Selected in %(year)s") % {"year": year}
        achievements.append(Achievement(kind=kind, title=title, year=year, decision=decision))
    return achievements
