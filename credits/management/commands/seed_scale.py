"""A synthetic province for benchmarks: units across the 16 cities, people with
profiles, and about N ledger entries per person per year, all through the ledger's
batch entry point (COPY underneath)."""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from stdnum.cn import ric, uscc

from credits.models import Category, Source, YearRule
from credits.services import CreditRecord, credit_post_batch
from portal.models import Authority, City
from portal.reference import AUTHORITIES, CITIES, load_reference_data

PEOPLE_PER_UNIT = 50
CHUNK_PEOPLE = 10_000
# Per person-year totals cycle through these, so that most people comply and some
# fall just short of one minimum or of both.
PUBLIC_TOTALS = [30, 33, 36, 30, 27, 30, 45, 30, 24, 31]
PROFESSIONAL_TOTALS = [60, 66, 60, 54, 72, 60, 60, 48, 60, 90]


def id_number(index: int) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=index // 1000)
    body = f"370102{birth:%Y%m%d}{index % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(index: int) -> str:
    body = f"12370100{index:08d}X"
    return body + uscc.calc_check_digit(body)


def split(total: int, parts: int) -> list[Decimal]:
    """`total` hours in `parts` entries with one decimal, summing exactly."""
    share = (Decimal(total) / parts).quantize(Decimal("0.1"))
    hours = [share] * (parts - 1)
    return [*hours, Decimal(total) - sum(hours)]


class Command(BaseCommand):
    help = "Create a synthetic province for benchmarks (people, units, ledger entries)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--years", default="2025", help="e.g. 2021-2025 or 2025")
        parser.add_argument("--entries", type=int, default=10, help="per person per year")

    def handle(self, *args, people, years, entries, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads with COPY).")
        first, _dash, last = years.partition("-")
        years = list(range(int(first), int(last or first) + 1))
        missing = set(years) - set(YearRule.objects.values_list("year", flat=True))
        if missing:
            raise CommandError(f"No rule for {sorted(missing)}.")
        load_reference_data(City, Authority)
        started = time.perf_counter()
        unit_ids = self._units(people)
        self.stdout.write(f"{len(unit_ids)} units")
        for start in range(0, people, CHUNK_PEOPLE):
            count = min(CHUNK_PEOPLE, people - start)
            person_ids = self._people(start, count, unit_ids)
            credit_post_batch(self._records(person_ids, start, years, entries))
            self.stdout.write(f"{start + count} people", ending="\r")
            self.stdout.flush()
        with connection.cursor() as cursor:  # fresh statistics for the planner
            for table in ("portal_user", "portal_professionalprofile", "portal_unit"):
                cursor.execute(f"ANALYZE {table}")
            cursor.execute("ANALYZE credits_creditentry")
            cursor.execute("ANALYZE credits_personyeartotal")
        self.stdout.write(f"\ndone in {time.perf_counter() - started:.0f} s")

    def _copy(self, table: str, columns: list[str], rows) -> None:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    @transaction.atomic
    def _units(self, people: int) -> list[int]:
        cities = list(City.objects.filter(code__in=[c for c, _n, d in CITIES if not d]))
        direct = City.objects.get(is_province_direct=True)
        authorities = list(Authority.objects.filter(name__in=[n for n, _s in AUTHORITIES]))
        count = max(1, people // PEOPLE_PER_UNIT)
        offset = 10_000_000
        rows = []
        for i in range(count):
            is_direct = i % 20 == 0
            city = direct if is_direct else cities[i % len(cities)]
            rows.append(
                (
                    f"规模测试单位{i:06d}",
                    credit_code(offset + i),
                    city.pk,
                    authorities[i % len(authorities)].pk,
                    is_direct,
                    False,
                )
            )
        columns = [
            "name",
            "credit_code",
            "city_id",
            "authority_id",
            "is_province_direct",
            "is_self_evaluating",
        ]
        self._copy("portal_unit", columns, rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM portal_unit WHERE name LIKE '规模测试单位%%' ORDER BY id"
            )
            return [row[0] for row in cursor.fetchall()]

    @transaction.atomic
    def _people(self, start: int, count: int, unit_ids: list[int]) -> list[int]:
        now = datetime.datetime.now(datetime.UTC)
        users = (
            ("!", id_number(i), f"测试{i}", "", True, False, False, False, now)
            for i in range(start, start + count)
        )
        self._copy(
            "portal_user",
            [
                "password",
                "id_number",
                "real_name",
                "email",
                "is_active",
                "is_staff",
                "is_superuser",
                "elder_mode",
                "date_joined",
            ],
            users,
        )
        numbers = [id_number(i) for i in range(start, start + count)]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, id_number FROM portal_user WHERE id_number = ANY(%s)", [numbers]
            )
            by_number = dict((number, pk) for pk, number in cursor.fetchall())
        person_ids = [by_number[n] for n in numbers]
        profiles = (
            (pk, unit_ids[(start + i) // PEOPLE_PER_UNIT % len(unit_ids)], "", "", "", None)
            for i, pk in enumerate(person_ids)
        )
        self._copy(
            "portal_professionalprofile",
            ["user_id", "unit_id", "title_series", "specialty", "title_level", "title_obtained_on"],
            profiles,
        )
        return person_ids

    def _records(self, person_ids, start, years, entries):
        public_parts = max(1, entries * 3 // 10)
        professional_parts = max(1, entries - public_parts)
        for offset, pk in enumerate(person_ids):
            index = start + offset
            for year in years:
                public = PUBLIC_TOTALS[(index + year) % len(PUBLIC_TOTALS)]
                professional = PROFESSIONAL_TOTALS[(index * 7 + year) % len(PROFESSIONAL_TOTALS)]
                for category, total, parts in (
                    (Category.PUBLIC, public, public_parts),
                    (Category.PROFESSIONAL, professional, professional_parts),
                ):
                    for n, hours in enumerate(split(total, parts)):
                        yield CreditRecord(
                            pk,
                            year,
                            category,
                            hours,
                            Source.PLATFORM,
                            f"s{pk}-{year}-{category}{n}",
                        )
