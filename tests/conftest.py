"""The fixed cast every view is tested against.

Unit A (济南, health authority) and unit B (青岛, education authority):
alice is a professional of A, hr_a and hr_b the HR of A and B, health_admin the
health authority's department admin, jinan_hr and qingdao_hr the city HR bureaus,
province_hr the provincial HR department, institution_staff works for a training
institution in 济南.
"""

import datetime
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from portal.actions import Refused
from portal.models import Role
from tests.factories import (
    AuthorityFactory,
    BaseFactory,
    CityFactory,
    InstitutionFactory,
    UnitFactory,
    UserFactory,
    make_member,
    make_professional,
)

PASSWORD = "Secret-pass-2025"


def race_behind_a_row_lock(model, pk, jobs, expected=(Refused,)) -> list:
    """Run the callables `jobs` in threads (each with its own connection) while the
    test holds the lock on the row `pk` of `model`, and let go only once every job
    waits for the database: all of them have read whatever they read before any of
    them writes. Returns their results, or the exceptions of the `expected` kinds
    they raised, in the order they finished. For tests marked
    django_db(transaction=True): each job commits for real."""
    results = []

    def run(job):
        try:
            results.append(job())
        except expected as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    with transaction.atomic():
        model.objects.select_for_update().filter(pk=pk).values_list("pk").get()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0] >= len(jobs):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the jobs never waited for the row lock")
    for thread in threads:
        thread.join(timeout=60)
    return results


def pytest_configure(config):
    # Fast hashing for tests; production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    vendor = db["ENGINE"].rsplit(".", 1)[-1]
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or '-'}"
    return [
        f"database: {vendor} {db.get('NAME')} at {where} (tests use test_{db.get('NAME')})",
        f"redis: {settings.REDIS_URL or 'not configured'}",
    ]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let this test database's sessions TRUNCATE the ledger, as resetting tables between
    transactional tests needs; production databases keep refusing it."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                name = connection.settings_dict["NAME"]
                cursor.execute(f'ALTER DATABASE "{name}" SET credits.allow_truncate = on')
                cursor.execute("SET credits.allow_truncate = on")
        if settings.REDIS_URL:
            # A new test database numbers its rows from 1 again: the study clock of
            # an earlier run of the same database (its keys name it) must go.
            from learning.catalog.study_clock import forget_all

            forget_all()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded and generated files go to a per-test folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def fresh_catalog_lists():
    """Each test's courses roll back with it (and bulk_create sends no signal): the
    catalog's cached lists of an earlier test must not show (learning.catalog.catalog_cache)."""
    from learning.catalog import catalog_cache

    catalog_cache.forget_all()


@pytest.fixture(autouse=True)
def no_registration_throttle(settings):
    """Every test client shares one address and one cache; the throttle's own test
    lowers the limit and uses an address of its own."""
    settings.REGISTRATION_FAILURES_PER_HOUR = 1_000_000
    settings.REGISTRATION_FAILURES_PER_ID_NUMBER = 1_000_000


@pytest.fixture
def frozen(monkeypatch):
    """`frozen(day)` sets the portal's clock (timezone.now, hence localdate) to 10:00
    of that day, for the rest of the test; a live server in this process reads it too."""

    def at(day: datetime.date):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


@pytest.fixture
def eager_celery():
    """Run tasks in-process for view tests (tests of workers start real ones)."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def jinan(db):
    return CityFactory(code="370100", name="济南市")


@pytest.fixture
def qingdao(db):
    return CityFactory(code="370200", name="青岛市")


@pytest.fixture
def health(db):
    return AuthorityFactory(name="山东省卫生健康委员会")


@pytest.fixture
def education(db):
    return AuthorityFactory(name="山东省教育厅")


@pytest.fixture
def unit_a(jinan, health):
    return UnitFactory(name="济南测试医院", city=jinan, authority=health)


@pytest.fixture
def unit_b(qingdao, education):
    return UnitFactory(name="青岛测试学校", city=qingdao, authority=education)


@pytest.fixture
def institution(jinan):
    return InstitutionFactory(city=jinan)


@pytest.fixture
def alice(unit_a):
    return make_professional(unit_a, real_name="艾丽丝")


@pytest.fixture
def bob(unit_b):
    return make_professional(unit_b, real_name="鲍勃")


@pytest.fixture
def hr_a(unit_a):
    return make_member(Role.UNIT_HR, UserFactory(real_name="甲单位人事"), unit=unit_a)


@pytest.fixture
def hr_b(unit_b):
    return make_member(Role.UNIT_HR, UserFactory(real_name="乙单位人事"), unit=unit_b)


@pytest.fixture
def health_admin(health):
    return make_member(
        Role.DEPARTMENT_ADMIN, UserFactory(real_name="卫健委管理员"), authority=health
    )


@pytest.fixture
def jinan_hr(jinan):
    return make_member(Role.CITY_HR, UserFactory(real_name="济南人社"), city=jinan)


@pytest.fixture
def qingdao_hr(qingdao):
    return make_member(Role.CITY_HR, UserFactory(real_name="青岛人社"), city=qingdao)


@pytest.fixture
def province_hr(db):
    return make_member(Role.PROVINCE_HR, UserFactory(real_name="省人社"))


@pytest.fixture
def institution_staff(institution):
    return make_member(
        Role.INSTITUTION_STAFF, UserFactory(real_name="机构管理员"), institution=institution
    )


@pytest.fixture
def base(jinan):
    """A provincial base managed by 济南 city HR (jinan_hr approves its trainings)."""
    return BaseFactory(name="济南测试继续教育基地", managing_city=jinan)


@pytest.fixture
def base_staff(base):
    return make_member(Role.BASE_STAFF, UserFactory(real_name="基地管理员"), base=base)


@pytest.fixture
def association(db):
    return make_member(Role.ASSOCIATION, UserFactory(real_name="协会评审专家"))


@pytest.fixture
def cast(
    alice,
    bob,
    hr_a,
    hr_b,
    health_admin,
    jinan_hr,
    qingdao_hr,
    province_hr,
    institution_staff,
    base_staff,
    association,
):
    return {
        "alice": alice,
        "bob": bob,
        "hr_a": hr_a,
        "hr_b": hr_b,
        "health_admin": health_admin,
        "jinan_hr": jinan_hr,
        "qingdao_hr": qingdao_hr,
        "province_hr": province_hr,
        "institution_staff": institution_staff,
        "base_staff": base_staff,
        "association": association,
    }


@pytest.fixture
def superuser(cast):
    """Provincial HR with the keys to the Django admin."""
    user = cast["province_hr"]
    user.is_staff = user.is_superuser = True
    user.save()
    return user
