"""factory-boy factories for the people-and-organisations models.

ID numbers and credit codes are built with valid check characters from a
sequence, so every factory-made row passes the same checks real input must.
"""

import datetime
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook
from stdnum.cn import ric, uscc

from portal import models
from portal.transfers import transfers_complete_due
from portal.xlsx import XLSX_TYPE


def id_number_for(n: int, area: str = "370102", birth=datetime.date(1985, 6, 15)) -> str:
    body = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code_for(n: int, region: str = "370100") -> str:
    body = f"12{region}{n:08d}X"
    return body + uscc.calc_check_digit(body)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.City
        django_get_or_create = ("code",)

    code = "370100"
    name = "济南市"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Authority
        django_get_or_create = ("name",)

    name = "山东省卫生健康委员会"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    credit_code = factory.Sequence(lambda n: credit_code_for(n))
    city = factory.SubFactory(CityFactory)
    authority = factory.SubFactory(AuthorityFactory)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TrainingInstitution

    name = factory.Sequence(lambda n: f"测试培训机构{n}")
    credit_code = factory.Sequence(lambda n: credit_code_for(50_000 + n))
    city = factory.SubFactory(CityFactory)


class BaseFactory(factory.django.DjangoModelFactory):
    """A provincial base managed by a city HR bureau, valid 2021–2030, training in
    电子信息 and 机械工程."""

    class Meta:
        model = models.Base

    level = models.Base.Level.PROVINCIAL
    name = factory.Sequence(lambda n: f"测试继续教育基地{n}")
    host_name = factory.Sequence(lambda n: f"测试基地依托单位{n}")
    host_credit_code = factory.Sequence(lambda n: credit_code_for(70_000 + n))
    managing_city = factory.SubFactory(CityFactory)
    fields = factory.LazyFunction(lambda: ["电子信息", "机械工程"])
    valid_from = datetime.date(2021, 1, 1)
    valid_until = datetime.date(2030, 12, 31)
    contact = "0531-12345678"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    id_number = factory.Sequence(
        lambda n: id_number_for(n, birth=datetime.date(1970, 1, 1) + datetime.timedelta(n // 1000))
    )
    real_name = factory.Sequence(lambda n: f"测试{n}")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    password = factory.django.Password("Secret-pass-2025")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProfessionalProfile

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    title_series = models.TitleSeries.HEALTH
    title_level = models.TitleLevel.INTERMEDIATE
    title_obtained_on = datetime.date(2020, 7, 1)


def make_professional(unit, **user_fields) -> models.User:
    """A professional of `unit`: profile plus the professional membership."""
    user = UserFactory(**user_fields)
    ProfileFactory(user=user, unit=unit)
    models.Membership.objects.create(user=user, role=models.Role.PROFESSIONAL)
    return user


def move(person, from_unit, to_unit, at=None) -> models.Transfer:
    """A transfer whose objection period ended at `at` (now), completed."""
    at = at or timezone.now()
    transfer = models.Transfer.objects.create(
        person=person,
        from_unit=from_unit,
        to_unit=to_unit,
        status=models.Transfer.Status.ACCEPTED,
        objection_deadline=at,
    )
    transfers_complete_due(at)
    transfer.refresh_from_db()
    return transfer


def make_member(role, user=None, **scope) -> models.User:
    user = user or UserFactory()
    models.Membership.objects.create(user=user, role=role, **scope)
    return user


def xlsx_bytes(header, rows) -> bytes:
    """An .xlsx as a user would fill it in: a header row, then the data rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(header, rows, name="名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(header, rows), content_type=XLSX_TYPE)


def make_training_class(institution, city, **fields):
    """A digital-engineer class of a listed institution approved for AI, junior level:
    64 + 64 hours from 1 May to 30 June 2025 (its roster is due on 30 July)."""
    from digital_engineer.models import Approval, InstitutionState
    from digital_engineer.services import class_open

    InstitutionState.objects.get_or_create(institution=institution, defaults={"status": "listed"})
    Approval.objects.get_or_create(institution=institution, direction="ai", level="junior")
    values = {
        "name": "人工智能初级班",
        "direction": "ai",
        "level": "junior",
        "kind": "open",
        "target_group": "graduates",
        "city": city,
        "starts_on": datetime.date(2025, 5, 1),
        "ends_on": datetime.date(2025, 6, 30),
        "theory_hours": 64,
        "practice_hours": 64,
        "capacity": 3,
        **fields,
    }
    return class_open(institution=institution, opened_by=None, **values)


def make_passed_trainee(klass, person, *, scores=(80, 80)):
    """Enrol `person` in `klass` with every hour of the class attended and passing scores."""
    from digital_engineer.services import trainee_enrol, trainee_record

    trainee = trainee_enrol(
        training_class=klass, id_number=person.id_number, real_name=person.real_name
    )
    return trainee_record(
        trainee=trainee,
        theory_attended=klass.theory_hours,
        practice_attended=klass.practice_hours,
        theory_score=scores[0],
        practice_score=scores[1],
    )


def make_training_certificate(
    institution, city, person, *, closed_by=None, scores=(80, 80), **fields
):
    """`person`'s 培训合格证书 from a closed class of `make_training_class` (its PDF is rendered
    by the task queued on commit, which tests outside a transaction never run)."""
    from digital_engineer.models import TrainingCertificate
    from digital_engineer.services import class_close

    klass = make_training_class(institution, city, **fields)
    trainee = make_passed_trainee(klass, person, scores=scores)
    class_close(training_class=klass, closed_by=closed_by)
    return TrainingCertificate.objects.get(trainee=trainee)


TEN_YEARS = range(2016, 2026)


def ten_years_of(person, tag: str, per_year: int = 30):
    """`per_year` entries of 1.5 hours (public and professional in turn) in each of ten
    ruled years (TEN_YEARS), posted through the ledger's batch entry; descriptions
    `<tag><year>年第<i>课`. Returns `person`."""
    from credits.models import Category, Source, YearRule
    from credits.services import CreditRecord, credit_post_batch

    for year in TEN_YEARS:
        YearRule.objects.get_or_create(
            year=year, defaults={"public_min": 30, "professional_min": 60}
        )
    credit_post_batch(
        CreditRecord(
            person.pk,
            year,
            Category.PUBLIC if i % 2 else Category.PROFESSIONAL,
            Decimal("1.5"),
            Source.PLATFORM,
            f"{tag}-{year}-{i}",
            description=f"{tag}{year}年第{i}课",
        )
        for year in TEN_YEARS
        for i in range(per_year)
    )
    return person
