"""Demo certificates (called by `manage.py seed_demo`): the demo professional's
compliant finished years, issued once."""

import contextlib

from django.utils import timezone

from certificates.models import Certificate
from certificates.services import CertificateError, certificate_issue
from portal.models import User


def seed() -> None:
    person = User.objects.filter(phone="13800000001").first()
    if person is None:
        return
    last_year = timezone.localdate().year - 1
    for year in (last_year - 1, last_year):
        if Certificate.objects.filter(person=person, year=year).exists():
            continue
        # A year whose demo hours fall short simply gets none.
        with contextlib.suppress(CertificateError):
            certificate_issue(person=person, year=year, issued_by=None)
