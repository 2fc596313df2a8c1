"""The app's Celery tasks, for autodiscovery (which imports `learning.tasks`): each
is defined with the work it runs, under the name it has always had."""

from learning.catalog.tasks import flush_study_clock  # noqa: F401
from learning.plans.tasks import filing_reminders  # noqa: F401
from learning.platforms.imports import run_import  # noqa: F401  (defined with its job)
