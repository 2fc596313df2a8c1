"""Every compliant year: a professional asks for the certificate of a finished year
that met its own rule and has none (RULES.md: 30 public + 60 professional hours for
2025, each year by its own rule). It is issued as usual, through certificate_issue,
with the serial of that year's counter (SD2023000042 for 2023). HR issues such years
for many people with a batch over a range of years (certificates.batches).

A year whose certificate HR revoked is not offered again to the professional: the
revocation was HR's decision (wrong hours, a false record), so a new certificate of
that year is HR's to issue, not hers to take back at once."""

from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from certificates.services import CertificateError, certificate_issue
from credits.models import YearRule
from credits.selectors import YearStatus, year_statuses


def requestable_years() -> list[int]:
    """The years a certificate can be asked for: finished years that have a rule,
    newest first."""
    this_year = timezone.localdate().year
    return list(
        YearRule.objects.filter(year__lt=this_year).order_by("-year").values_list("year", flat=True)
    )


def compliant_years_without_certificate(person) -> list[YearStatus]:
    """The person's finished years that met their rule and have no certificate, valid
    or revoked (a revoked year is HR's to reissue), newest first, with their hours
    (one decimal); four queries."""
    years = requestable_years()
    held = set(
        Certificate.objects.filter(person=person, year__in=years).values_list("year", flat=True)
    )
    return [
        status for status in year_statuses(person, years) if status.met and status.year not in held
    ]


def past_year_certificate_request(*, person, year: int, requested_by) -> Certificate:
    """Issue `person`'s certificate of the finished year `year` at her request (or on
    her behalf by `requested_by`), as certificate_issue does; its PDF is queued.

    Raises CertificateError (in Chinese), writing nothing, for a year that is not a
    finished year with a rule, a year whose certificate HR revoked (HR reissues it), a
    year that missed its rule, or a year that already has a valid certificate.
    """
    years = requestable_years()
    if year not in years:
        raise CertificateError(past_year_range_message(years))
    statuses = set(
        Certificate.objects.filter(person=person, year=year).values_list("status", flat=True)
    )
    if statuses == {Certificate.Status.REVOKED}:  # revoked and not yet reissued by HR
        raise CertificateError(
            _(
                "Your certificate of %(year)s was revoked by HR; only your unit's HR "
                "can issue it again."
            )
            % {"year": year}
        )
    return certificate_issue(person=person, year=year, issued_by=requested_by)


def past_year_range_message(years: list[int] | None = None) -> str:
    """What a request for a year outside requestable_years() is told."""
    years = requestable_years() if years is None else years
    if not years:
        return _("There is no finished year with a rule yet.")
    return _(
        "A certificate can be requested only for a finished year with a rule, "
        "from %(first)s to %(last)s."
    ) % {"first": min(years), "last": max(years)}
