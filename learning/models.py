"""Every model of the learning app, for Django (which loads an app's models through
`learning.models`). Each sub-package owns its own: import them from there.

- learning.catalog: topics, courses, lessons, quiz, enrolments, progress, the study clock;
- learning.quality: the quality-course selection;
- learning.sessions: offline sessions and their attendance;
- learning.plans: professional-subject plans, filings, deadlines, reminders;
- learning.platforms: the public-subject platforms and what they send.

The models keep the app label "learning" (Django takes it from the app whose package
holds them), so their tables and migrations are unchanged.
"""

from learning.catalog.models import (
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    StudyClock,
    Topic,
)
from learning.plans.models import (
    PLAN_SECTIONS,
    Filing,
    FilingDeadline,
    FilingReminder,
    PlanItem,
    PlanVersion,
    ProfessionalPlan,
)
from learning.platforms.models import (
    ImportJob,
    Platform,
    PlatformKey,
    PlatformRecord,
    ReceivedBatch,
    body_digest,
    ledger_ref,
)
from learning.quality.models import QualityNomination, QualityReview
from learning.sessions.models import Attendance, OfflineSession

__all__ = [
    "PLAN_SECTIONS",
    "Attendance",
    "Choice",
    "Course",
    "Enrolment",
    "Filing",
    "FilingDeadline",
    "FilingReminder",
    "ImportJob",
    "Lesson",
    "LessonProgress",
    "OfflineSession",
    "PlanItem",
    "PlanVersion",
    "Platform",
    "PlatformKey",
    "PlatformRecord",
    "ProfessionalPlan",
    "QualityNomination",
    "QualityReview",
    "Question",
    "QuizAttempt",
    "ReceivedBatch",
    "StudyClock",
    "Topic",
    "body_digest",
    "ledger_ref",
]
