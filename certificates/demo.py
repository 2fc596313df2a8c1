"""Demo certificates (called by `manage.py seed_demo`): the demo professional's last
two finished years, issued once. Her earlier compliant years are left without a
certificate, so that 我的证书 offers to request them (certificates.past_years), and
she holds one eligibility statement of her review period. The demo department
admin (赵强, the health commission) has run one registration check."""

import contextlib
import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certificates.models import Certificate, EligibilityStatement, RegistrationCheck
from certificates.registration_checks import REGISTRATION_CHECK_SPEC, registration_check_run
from certificates.services import CertificateError, certificate_issue
from certificates.statements import statement_issue
from credits.eligibility import default_period
from portal.demo import make_id_number
from portal.models import Membership, Role, User
from portal.xlsx import workbook_bytes


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
    seed_registration_check()


# Applicants of the demo check: demo professionals by phone (their ID number and name
# from their accounts), and one person nobody registered (the answer: not found).
CHECKED_PHONES = ("13800000001", "13900000003", "13900000011")
UNREGISTERED = ("孙明远", make_id_number("370102", datetime.date(1986, 4, 18), 998))


def seed_registration_check() -> None:
    """One registration check (执业医师注册) by the demo department admin, through
    certificates.registration_checks.registration_check_run, for the last three
    finished years; skipped once she has one."""
    admin = (
        Membership.objects.filter(role=Role.DEPARTMENT_ADMIN, user__phone="13800000003")
        .select_related("user", "authority")
        .first()
    )
    if admin is None or RegistrationCheck.objects.filter(requested_by=admin.user).exists():
        return
    last_year = timezone.localdate().year - 1
    years = f"{last_year - 2}-{last_year}"
    people = User.objects.filter(phone__in=CHECKED_PHONES).order_by("phone")
    rows = [[p.id_number, p.real_name, years] for p in people]
    rows.append([UNREGISTERED[1], UNREGISTERED[0], str(last_year)])
    content = workbook_bytes(
        [("注册申请人名单", REGISTRATION_CHECK_SPEC.headers, rows)], text_columns={0, 1, 2}
    )
    registration_check_run(
        actor=admin,
        upload=SimpleUploadedFile("注册申请人名单.xlsx", content),
        kind="执业医师注册",
        purpose=f"{last_year + 1}年第一批执业医师注册申请",
    )
