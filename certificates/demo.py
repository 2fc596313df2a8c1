"""Demo certificates (called by `manage.py seed_demo`): the demo professional's last
two finished years, issued once. Her earlier compliant years are left without a
certificate, so that 我的证书 offers to request them (certificates.past_years), and
she holds one eligibility statement of her review period."""

import contextlib

from django.utils import timezone

from certificates.models import Certificate, EligibilityStatement
from certificates.services import CertificateError, certificate_issue
from certificates.statements import statement_issue
from credits.eligibility import default_period
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
    if not EligibilityStatement.objects.filter(person=person).exists():
        start, end = default_period(person)
        hr = User.objects.filter(phone="13800000002").first()  # 王芳, her unit's HR
        with contextlib.suppress(CertificateError):
            statement_issue(person=person, start_year=start, end_year=end, issued_by=hr)
