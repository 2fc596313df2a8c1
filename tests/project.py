"""The project's own apps, read from settings (never listed by hand): the installed
apps that are packages of this repository, in settings order. Tests that walk "every
app" use this, so a new app is walked the day it is installed."""

from pathlib import Path

from django.conf import settings

PROJECT_APPS = tuple(
    name
    for name in settings.INSTALLED_APPS
    if "." not in name and (Path(settings.BASE_DIR) / name / "__init__.py").is_file()
)
