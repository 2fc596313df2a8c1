from decimal import Decimal

from credits.models import Category, Source
from credits.services import credit_post

YEAR = 2025


def make_compliant(person, year=YEAR, public=30, professional=60):
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        if hours:
            credit_post(
                person=person,
                year=year,
                category=category,
                hours=Decimal(hours),
                source=Source.COURSE,
                source_ref=f"cert-test-{person.pk}-{year}-{category}",
            )
    return person
