"""Fault drill: the portal on gunicorn with a Celery worker and beat, against a private
PostgreSQL cluster and a private Redis that this script starts (and stops) itself,
under a scripted load, while Redis is stopped, PostgreSQL restarted and the worker
SIGKILLed in the middle of a certificate batch and a report.

Not a test (it needs real processes); it asserts what must hold and exits non-zero
otherwise. Needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin; run as root
they run as the `postgres` user) and redis-server. The machine's own PostgreSQL and
Redis are not touched: the drill's listen on free ports of 127.0.0.1 and live in a
temporary folder that is removed afterwards (FAULTS_KEEP=1 keeps it and its logs).

    .venv/bin/python bench/faults.py                      # about four minutes
    FAULTS_REDIS_SECONDS=10 .venv/bin/python bench/faults.py

What runs: gunicorn (gunicorn.conf.py, two workers, production settings with DEBUG
off, a throwaway SECRET_KEY and signing key), one Celery worker (two processes) and
Celery beat. The load: FAULTS_LEARNERS (16) learners, each a thread with a cookie jar
of its own and an address of its own, sent as a TLS proxy would send it (Host,
X-Forwarded-Proto: https, X-Forwarded-For): log in, then every
FAULTS_BEAT_SECONDS (5; the portal's STUDY_HEARTBEAT_SECONDS for the run) a study
heartbeat and one of 我的学时, the download of her certificate (a PDF) or the
catalog; every eighth round she logs out and in again. Beside them an online platform
pushes 10 completion records every 2 s to the signed push API, sending a batch again
until the portal takes it.

The faults, one after the other, each followed by a settling phase once /healthz says
the database and Redis are back:
  (a) Redis stopped for FAULTS_REDIS_SECONDS (30), then started again empty (no
      persistence: the harsher case, what a restarted cache-only Redis holds);
  (b) PostgreSQL stopped (pg_ctl stop -m fast: connections cut) for
      FAULTS_POSTGRES_SECONDS (10) and started again;
  (c) the worker SIGKILLed (its whole process group) while a unit report is running,
      and again once a certificate batch (FAULTS_BATCH people, 150) has issued some
      certificates, each time restarted three seconds later; the batch and the
      report must then finish (the report's task comes back after the visibility
      timeout, 20 s here, shorter than a chunk of the batch takes: chunks still
      running are delivered a second time, which the batch must survive too).
then FAULTS_RECOVERY_SECONDS (30) more of load.

It prints the requests sent, what failed in each phase (a failure: a connection error
or an answer other than the one the page gives when all is well), the certificates
issued twice (more than one certificate for a person-year), the studied seconds lost
(per learner, every fall of the studied time the heartbeats acknowledged, plus what
was acknowledged but is not in the database after a final flush; the bound the study
clock documents is printed beside it) and verify_ledger's verdict. The last line reads
`failed_after_recovery=<n> duplicates=<n> ledger=ok|bad`; the exit status is non-zero
unless those are 0, 0 and ok, the batch and the report finished, and the studied
seconds lost stay within the documented bound. `ledger=ok` means verify_ledger found
the totals in agreement with the ledger and every record the portal took is in the
ledger once.
"""

import contextlib
import datetime
import glob
import http.client
import itertools
import json
import os
import pwd
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

from processes import ROOT, manage, with_signing_key

sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

REDIS_SECONDS = int(os.environ.get("FAULTS_REDIS_SECONDS", "30"))
POSTGRES_SECONDS = int(os.environ.get("FAULTS_POSTGRES_SECONDS", "10"))
LEARNERS = int(os.environ.get("FAULTS_LEARNERS", "16"))
BATCH_PEOPLE = int(os.environ.get("FAULTS_BATCH", "150"))
BEAT_SECONDS = int(os.environ.get("FAULTS_BEAT_SECONDS", "5"))
RECOVERY_SECONDS = int(os.environ.get("FAULTS_RECOVERY_SECONDS", "30"))
PUSH_RECORDS, PUSH_SECONDS = 10, 2  # the platform's batches: records, how often
FAULT_PHASES = ("redis stopped", "postgres stopped", "worker killed")
AFTER_PHASES = ("after redis", "after postgres", "after worker", "recovery")
BASELINE_SECONDS = 15
SETTLE_SECONDS = 10
KEEP = os.environ.get("FAULTS_KEEP") == "1"
PASSWORD = "Drill-pass-2025"  # noqa: S105 - the drill's learners' password
CERTIFICATE_YEAR = 2024  # the learners' own certificates, downloaded under load
BATCH_YEAR = 2025  # the batch's certificates
HOST = "127.0.0.1"  # what the proxy forwards as Host; in ALLOWED_HOSTS

# Every key the drill sets for its processes; inherited values of these are dropped.
DRILL_KEYS = [
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PORTAL_BASE_URL",
    "SMS_BACKEND",
    "EMAIL_BACKEND",
    "BEHIND_TLS_PROXY",
    "TRUSTED_PROXY_COUNT",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "STUDY_HEARTBEAT_SECONDS",
    "CELERY_VISIBILITY_TIMEOUT",
    "CELERY_QUEUE",
    "SIGNING_PKCS12_PATH",
    "SIGNING_PKCS12_PASSWORD",
    "LOG_LEVEL",
    "CONN_MAX_AGE",
    "CONN_HEALTH_CHECKS",
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
    "GUNICORN_CMD_ARGS",
    "CACHE_KEY_PREFIX",
    "PASSWORD_HASHERS",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# -- the private PostgreSQL and Redis ------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own (initdb into a temporary folder)."""

    def __init__(self, folder: Path):
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda p: int(Path(p).parts[-3]),
        )
        if not versions:
            raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1]).parent
        self.data, self.sockets, self.log = folder / "pg", folder / "pg-sockets", folder / "pg.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        for path in (self.data, self.sockets):
            path.mkdir()
        self.log.touch()
        if self.as_root:  # initdb and postgres refuse to run as root
            user = pwd.getpwnam("postgres")
            for path in (self.data, self.sockets, self.log):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.url = f"postgres://postgres@{HOST}:{self.port}"

    def _run(self, tool: str, *args, check=True):
        command = [str(self.bin / tool), *map(str, args)]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command,
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd="/",
        )

    def _options(self) -> str:
        return f"-p {self.port} -k {self.sockets} -c listen_addresses={HOST} -c fsync=off"

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o", self._options(), "start")

    def stop(self, mode: str = "fast", check: bool = True):
        self._run("pg_ctl", "-D", self.data, "-w", "-m", mode, "stop", check=check)


class PrivateRedis:
    """A redis-server of the drill's own, without persistence: a restart empties it."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder / "redis", free_port(), None
        self.folder.mkdir()
        self.url = f"redis://{HOST}:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [  # noqa: S607 - Debian's redis-server, on the PATH
                "redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
                "--appendonly", "no", "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1):
                return
            time.sleep(0.1)
        raise SystemExit("the drill's redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


# -- the portal's processes ----------------------------------------------------------


class Service:
    """A process of the portal in a process group of its own, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        self.name, self.command, self.env = name, command, env
        self.log = folder / f"{name}.log"
        self.process = None

    def start(self):
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self):
        """SIGKILL the whole group: the main process and its children, no goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(what: str, condition, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if value := condition():
                return value
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


# -- the load ------------------------------------------------------------------------


class Browser:
    """One learner's browser behind the TLS proxy: a cookie jar, her own address. The
    cookies are Secure (production), so they are kept and sent by hand: the proxy's
    side of the connection is plain HTTP."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, form: dict | None = None, accept: str = "", api=None):
        """Send a request; `form` is posted as a form with the CSRF token, `api` (a pair
        of headers and a JSON body) as a machine's push."""
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "User-Agent": "portal-fault-drill",
        }
        if accept:
            headers["Accept"] = accept
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if api is not None:
            extra, body = api
            headers.update(extra, **{"Content-Type": "application/json"})
        elif method == "POST":
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            body = urllib.parse.urlencode(form or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if morsel.value in ("", '""') or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content


class Load:
    """The scripted load: every request is recorded with the phase it was sent in."""

    def __init__(self, port: int, learners: list[dict], platform_key: tuple[str, str]):
        self.port, self.learners, self.platform_key = port, learners, platform_key
        self.pushed: list[str] = []  # external ids of records the portal took
        self.phase = "setup"
        self.records: list[tuple[str, str, bool, str]] = []
        self.acknowledged: dict[int, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.learner, args=(n, learner), daemon=True)
            for n, learner in enumerate(learners)
        ] + [threading.Thread(target=self.platform, daemon=True)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def send(self, browser, kind, expect, method, path, form=None, accept="", api=None):
        sent_in = self.phase
        try:
            status, headers, content = browser.request(method, path, form, accept, api)
            outcome = str(status)
        except (OSError, http.client.HTTPException) as error:
            status, headers, content = None, None, b""
            outcome = type(error).__name__
        try:
            ok = status is not None and bool(expect(status, headers, content))
        except ValueError:  # not the JSON a beat answers
            ok = False
        # A request that a fault overlapped (sent before it began, answered after)
        # counts in the fault's phase.
        answered_in = self.phase
        phase = answered_in if answered_in in FAULT_PHASES else sent_in
        with self.lock:
            self.records.append((phase, kind, ok, outcome))
        return ok, status, headers, content

    def log_in(self, browser, learner) -> bool:
        ok, *_ = self.send(browser, "login page", is_page, "GET", "/login/")
        if not ok:
            return False
        ok, *_ = self.send(
            browser,
            "login",
            lambda s, h, c: s == 302 and not h["Location"].startswith("/login/"),
            "POST",
            "/login/",
            {"username": learner["id_number"], "password": PASSWORD},
        )
        return ok

    def platform(self):
        """An online platform pushing completions of the learners: PUSH_RECORDS new
        records every PUSH_SECONDS, a batch that was not taken sent again (newly
        signed) until it is, as platforms do."""
        from learning.platforms.services import sign

        browser, key_id, secret = Browser(self.port, "10.30.0.1"), *self.platform_key
        sent, records = 0, None
        while not self.stopping.is_set():
            started = time.monotonic()
            if records is None:
                records = [
                    {
                        "external_id": f"drill-{sent + n}",
                        "id_number": self.learners[(sent + n) % len(self.learners)]["id_number"],
                        "name": self.learners[(sent + n) % len(self.learners)]["name"],
                        "course_title": "专业技术人员职业道德和能力建设",
                        "hours": 0.5,
                        "category": "public",
                        "completed_at": f"{BATCH_YEAR}-06-01T10:00:00+08:00",
                    }
                    for n in range(PUSH_RECORDS)
                ]
                sent += PUSH_RECORDS
            body = json.dumps({"records": records}).encode()
            stamp = str(int(time.time()))
            headers = {
                "X-Key-Id": key_id,
                "X-Timestamp": stamp,
                "X-Signature": sign(secret, stamp, body),
            }
            ok, *_ = self.send(
                browser,
                "platform push",
                is_taken,
                "POST",
                "/api/platforms/sdou/completions",
                accept="application/json",
                api=(headers, body),
            )
            if ok:
                with self.lock:
                    self.pushed.extend(r["external_id"] for r in records)
                records = None
            self.stopping.wait(max(0.0, PUSH_SECONDS - (time.monotonic() - started)))

    def learner(self, n: int, learner: dict):
        browser = Browser(self.port, f"10.20.{n // 250}.{n % 250 + 1}")
        time.sleep(random.uniform(0, BEAT_SECONDS))
        logged_in, round_ = False, 0
        while not self.stopping.is_set():
            started = time.monotonic()
            logged_in = self.round(browser, learner, round_, logged_in)
            round_ += 1
            self.stopping.wait(max(0.0, BEAT_SECONDS - (time.monotonic() - started)))

    def round(self, browser, learner: dict, round_: int, logged_in: bool) -> bool:
        """One round of a learner: maybe log out and in, beat, visit one page.
        Returns whether she is logged in."""
        others = [
            ("我的学时", "/hours/my/", is_page),
            ("certificate", f"/certificates/{learner['certificate']}/pdf/", is_pdf),
            ("catalog", "/courses/", is_page),
        ]
        if round_ % 8 == 7 and logged_in:
            ok, *_ = self.send(browser, "logout", lambda s, h, c: s == 302, "POST", "/logout/")
            logged_in = not ok
        if not logged_in:
            logged_in = self.log_in(browser, learner)
        ok, status, _headers, content = self.send(
            browser,
            "heartbeat",
            is_beat,
            "POST",
            f"/lessons/{learner['lesson']}/heartbeat/",
            accept="application/json",
        )
        if ok:
            with self.lock:
                self.acknowledged[learner["pk"]].append(json.loads(content)["seconds"])
        elif status == 401:
            logged_in = False
        kind, path, expect = others[round_ % len(others)]
        self.send(browser, kind, expect, "GET", path)
        return logged_in


def is_page(status, headers, content) -> bool:
    return status == 200 and headers.get_content_type() == "text/html"


def is_pdf(status, headers, content) -> bool:
    return status == 200 and content.startswith(b"%PDF-")


def is_taken(status, headers, content) -> bool:
    """A push the portal took: every record credited (or, sent again after an answer
    that was lost, a duplicate of one credited)."""
    results = json.loads(content)["results"] if status == 200 else [{}]
    return all(r.get("outcome") in ("credited", "duplicate") for r in results)


def is_beat(status, headers, content) -> bool:
    return status == 200 and "seconds" in json.loads(content)


# -- the drill -----------------------------------------------------------------------


def drill_env(folder: Path, postgres: PrivatePostgres, redis: PrivateRedis) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DRILL_KEYS}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"{postgres.url}/portal_faults",
        REDIS_URL=redis.url,
        PORTAL_BASE_URL=f"https://{HOST}",
        SMS_BACKEND="portal.sms.DisabledBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        BEHIND_TLS_PROXY="true",
        TRUSTED_PROXY_COUNT="1",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        PRIVATE_MEDIA_ROOT=str(folder / "private"),
        STUDY_HEARTBEAT_SECONDS=str(BEAT_SECONDS),
        # A killed worker's unacknowledged tasks come back after this long (900 s in
        # production): the report's does.
        CELERY_VISIBILITY_TIMEOUT="20",
        LOG_LEVEL="INFO",
    )
    return with_signing_key(env, folder)


def seed() -> tuple[list[dict], object, object]:
    """The learners (enrolled in a one-lesson course, each holding a certificate of
    CERTIFICATE_YEAR), the batch's unit with BATCH_PEOPLE compliant people, an HR."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from certificates.services import certificate_issue
    from credits.models import Category, Source
    from credits.services import CreditRecord, credit_post_batch
    from learning.models import Course, Enrolment, Lesson, Platform, PlatformKey
    from portal.models import City, Membership, ProfessionalProfile, Role, Unit, User
    from tests.factories import credit_code_for, id_number_for

    def id_number(n: int) -> str:  # a thousand people per birth date
        return id_number_for(n % 1000, birth=datetime.date(1970, 1, 1) + timedelta(n // 1000))

    jinan = City.objects.get(code="370100")
    unit = Unit.objects.create(name="演练医院", credit_code=credit_code_for(1), city=jinan)
    batch_unit = Unit.objects.create(name="演练卫生院", credit_code=credit_code_for(2), city=jinan)
    hashed = make_password(PASSWORD)  # one hash for all: the first hasher's
    people = User.objects.bulk_create(
        User(id_number=id_number(n), real_name=f"学员{n}", password=hashed) for n in range(LEARNERS)
    ) + User.objects.bulk_create(
        User(id_number=id_number(10_000 + n), real_name=f"批量{n}", password="!")
        for n in range(BATCH_PEOPLE)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=p, unit=unit if n < LEARNERS else batch_unit)
        for n, p in enumerate(people)
    )
    Membership.objects.bulk_create(Membership(user=p, role=Role.PROFESSIONAL) for p in people)
    hr = User.objects.create(id_number=id_number(99_999), real_name="人事", password="!")
    credit_post_batch(
        CreditRecord(p.pk, year, category, Decimal(hours), Source.PLATFORM, f"d-{p.pk}-{c}")
        for n, p in enumerate(people)
        for year in [CERTIFICATE_YEAR if n < LEARNERS else BATCH_YEAR]
        for c, (category, hours) in enumerate(((Category.PUBLIC, 30), (Category.PROFESSIONAL, 60)))
    )
    this_year = timezone.localdate().year
    course = Course.objects.create(
        title="演练课程",
        teacher_name="张教授",
        category=Category.PUBLIC,
        hours=Decimal("3"),
        first_year=this_year - 1,
        last_year=this_year,
        status=Course.Status.PUBLISHED,
    )
    lesson = Lesson.objects.create(course=course, title="第1讲", minutes=180)
    learners = []
    for person in people[:LEARNERS]:
        Enrolment.objects.create(person=person, course=course)
        certificate = certificate_issue(person=person, year=CERTIFICATE_YEAR, issued_by=None)
        learners.append(
            {
                "pk": person.pk,
                "id_number": person.id_number,
                "name": person.real_name,
                "lesson": lesson.pk,
                "certificate": certificate.pk,
            }
        )
    key, secret = PlatformKey.new_for(Platform.objects.get(code="sdou"))
    return learners, batch_unit, hr, (key.key_id, secret)


def healthy(port: int) -> bool:
    status, _headers, content = Browser(port, "10.99.0.1").request("GET", "/healthz")
    body = json.loads(content) if status == 200 else {}
    return body.get("database") == "ok" and body.get("redis") == "ok"


def worker_ready_count(worker: Service) -> int:
    return worker.text().count(" ready.")


def kill_mid_report_and_batch(worker: Service, batch_unit, hr) -> dict:
    """SIGKILL the worker while a report is running, restart it; then start a batch,
    SIGKILL the worker once it has issued some certificates, restart it. Two kills:
    with one queue (first in, first out) a report queued beside a batch would wait
    behind its chunks."""
    from certificates.batches import batch_create
    from certificates.models import IssuanceBatch
    from credits.models import ReportJob
    from credits.reports import report_request
    from portal.models import JobStatus

    def report_started(pk):
        def status():
            now = ReportJob.objects.get(pk=pk).status
            return now if now in (JobStatus.RUNNING, JobStatus.DONE) else None

        return status

    for _attempt in range(3):
        report = report_request(
            year=BATCH_YEAR, requested_by=hr, scope=ReportJob.Scope.UNIT, target=batch_unit
        )
        if (
            wait_for("the report to start", report_started(report.pk), 600, 0.02)
            == JobStatus.RUNNING
        ):
            break
    report_at_kill = ReportJob.objects.get(pk=report.pk).status
    kill_and_restart(worker)

    batch = batch_create(year=BATCH_YEAR, requested_by=hr, unit=batch_unit)
    wait_for(
        "the batch's first certificates",
        lambda: IssuanceBatch.objects.get(pk=batch.pk).done >= 1,
        600,
        0.05,
    )
    at_kill = IssuanceBatch.objects.get(pk=batch.pk)
    kill_and_restart(worker)
    return {
        "batch": batch.pk,
        "report": report.pk,
        "issued_at_kill": at_kill.done,
        "total": at_kill.total,
        "report_at_kill": report_at_kill,
    }


def kill_and_restart(worker: Service) -> None:
    """SIGKILL the worker, start it again three seconds later, wait until it is ready."""
    from django.db import connections

    ready_before = worker_ready_count(worker)
    worker.kill()
    time.sleep(3)
    worker.start()
    wait_for("the worker to restart", lambda: worker_ready_count(worker) > ready_before, 180)
    connections.close_all()


def wait_for_batch_and_report(killed: dict) -> tuple[object, object]:
    from certificates.models import IssuanceBatch
    from credits.models import ReportJob
    from portal.models import JobStatus

    finished = (JobStatus.DONE, JobStatus.FAILED)
    with contextlib.suppress(SystemExit):
        wait_for(
            "the batch and the report to finish",
            lambda: (
                IssuanceBatch.objects.get(pk=killed["batch"]).status in finished
                and ReportJob.objects.get(pk=killed["report"]).status in finished
            ),
            900,
            1,
        )
    return (
        IssuanceBatch.objects.get(pk=killed["batch"]),
        ReportJob.objects.get(pk=killed["report"]),
    )


def studied_seconds_lost(load: Load, learners: list[dict]) -> tuple[float, float]:
    """Per learner: every fall of the acknowledged studied time, plus what the last
    acknowledgement held beyond the database after a final flush. (total, largest)"""
    from learning.models import LessonProgress

    with contextlib.suppress(ImportError):
        from learning.catalog import study_clock

        if study_clock.enabled():
            while study_clock.flush():
                pass
    losses = []
    for learner in learners:
        acknowledged = load.acknowledged.get(learner["pk"], [])
        lost = sum(max(0.0, a - b) for a, b in itertools.pairwise(acknowledged))
        stored = LessonProgress.objects.filter(
            enrolment__person_id=learner["pk"], lesson_id=learner["lesson"]
        ).first()
        if acknowledged:
            lost += max(0.0, acknowledged[-1] - float(stored.seconds if stored else 0))
        losses.append(lost)
    return sum(losses), max(losses, default=0.0)


def pushed_in_ledger(load: Load) -> tuple[int, int]:
    """(records the portal said it took, of them those in the ledger, once each)."""
    from credits.models import CreditEntry, Source
    from learning.models import ledger_ref

    refs = {ledger_ref("sdou", external_id) for external_id in load.pushed}
    stored = CreditEntry.objects.filter(source=Source.PLATFORM, source_ref__in=refs)
    return len(refs), stored.values("source_ref").distinct().count()


def report(load: Load, phases: list[tuple[str, float]]):
    sent = Counter(kind for _phase, kind, _ok, _outcome in load.records)
    print(f"requests sent: {len(load.records)} ({', '.join(f'{k} {n}' for k, n in sent.items())})")
    print(f"{'phase':18} {'seconds':>7} {'sent':>6} {'failed':>6}  failures by page and answer")
    for phase, seconds in phases:
        rows = [r for r in load.records if r[0] == phase]
        failures = Counter(f"{kind} {outcome}" for _p, kind, ok, outcome in rows if not ok)
        listed = ", ".join(f"{what} ×{n}" for what, n in failures.most_common())
        print(f"{phase:18} {seconds:7.0f} {len(rows):6} {sum(failures.values()):6}  {listed}")


def failed_in(load: Load, *phases: str) -> int:
    return sum(1 for phase, _kind, ok, _outcome in load.records if phase in phases and not ok)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    folder.chmod(0o755)  # the postgres user reaches its folders inside
    postgres = redis = load = None
    services: list[Service] = []
    try:
        postgres, redis = PrivatePostgres(folder), PrivateRedis(folder)
        postgres.start()
        redis.start()
        import psycopg

        with psycopg.connect(f"{postgres.url}/postgres", autocommit=True) as connection:
            connection.execute('CREATE DATABASE "portal_faults"')
        env = drill_env(folder, postgres, redis)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        port = free_port()
        gunicorn = Service(
            "gunicorn",
            [
                *(str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"),
                *("--bind", f"{HOST}:{port}", "--workers", "2"),
            ],
            env,
            folder,
        )
        worker = Service(
            "worker",
            [
                *(str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO"),
                *("--concurrency", "2", "--without-mingle", "--without-gossip"),
            ],
            env,
            folder,
        )
        beat = Service(
            "beat",
            [
                *(str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "INFO"),
                *("--schedule", str(folder / "beat-schedule")),
            ],
            env,
            folder,
        )
        services = [gunicorn, worker, beat]
        learners, batch_unit, hr, platform_key = seed()
        for service in services:
            service.start()
        wait_for("gunicorn", lambda: healthy(port), 120)
        wait_for("the worker", lambda: worker_ready_count(worker) >= 1, 120)
        from certificates.models import Certificate

        wait_for(
            "the learners' certificates to be rendered",
            lambda: not Certificate.objects.filter(pdf_sha256="").exists(),
            300,
            0.5,
        )
        print(
            f"drill: {LEARNERS} learners beating every {BEAT_SECONDS} s, gunicorn on :{port} "
            f"(2 workers), worker, beat; PostgreSQL :{postgres.port}, Redis :{redis.port}; "
            f"logs in {folder}" + ("" if KEEP else " (removed at the end)"),
            flush=True,
        )

        load = Load(port, learners, platform_key)
        phases: list[tuple[str, float]] = []

        def phase(name: str) -> None:
            if phases:
                previous, started = phases[-1]
                phases[-1] = (previous, time.monotonic() - started)
            load.phase = name
            phases.append((name, time.monotonic()))
            print(f"  {time.strftime('%H:%M:%S')} {name}", flush=True)

        phase("baseline")
        load.start()
        time.sleep(BASELINE_SECONDS)

        phase("redis stopped")  # (a)
        redis.stop()
        time.sleep(REDIS_SECONDS)
        redis.start()
        wait_for("Redis back", lambda: healthy(port), 120)
        phase("after redis")
        time.sleep(SETTLE_SECONDS)

        phase("postgres stopped")  # (b)
        postgres.stop()
        time.sleep(POSTGRES_SECONDS)
        postgres.start()
        connections.close_all()
        wait_for("PostgreSQL back", lambda: healthy(port), 120)
        phase("after postgres")
        time.sleep(SETTLE_SECONDS)

        phase("worker killed")  # (c)
        killed = kill_mid_report_and_batch(worker, batch_unit, hr)
        phase("after worker")
        batch, report_job = wait_for_batch_and_report(killed)

        phase("recovery")
        time.sleep(RECOVERY_SECONDS)
        phase("done")
        load.stop()
        phases.pop()

        from django.db.models import Count

        from certificates.models import IssuanceBatch
        from portal.models import JobStatus

        report(load, phases)
        during = {phase: failed_in(load, phase) for phase in FAULT_PHASES}
        after = failed_in(load, *AFTER_PHASES)
        duplicates = (
            Certificate.objects.values("person", "year")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        without_pdf = Certificate.objects.filter(pdf_sha256="").count()
        lost, largest = studied_seconds_lost(load, learners)
        flush_seconds = getattr(settings, "STUDY_FLUSH_SECONDS", None)
        bound = (flush_seconds or 0) + 2 * settings.STUDY_HEARTBEAT_SECONDS
        ledger = subprocess.run(
            [sys.executable, "manage.py", "verify_ledger"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        taken, in_ledger = pushed_in_ledger(load)
        ledger_ok = ledger.returncode == 0 and in_ledger == taken
        batch_ok = (
            batch.status == JobStatus.DONE
            and batch.done == batch.total == BATCH_PEOPLE
            and batch.failed == 0
        )
        print(
            "failed during each fault: "
            + ", ".join(f"{name} {n}" for name, n in during.items())
            + f"; failed after recovery: {after}"
        )
        print(
            f"worker killed while the report was {killed['report_at_kill']}, and again with "
            f"{killed['issued_at_kill']}/{killed['total']} certificates issued; afterwards: batch "
            f"{batch.status} {batch.done}/{batch.total} (failed {batch.failed}), report "
            f"{report_job.status}; batches run {IssuanceBatch.objects.count()}"
        )
        print(f"certificates issued twice: {duplicates}; certificates without a PDF: {without_pdf}")
        print(
            f"studied seconds lost: {lost:.1f} in all, at most {largest:.1f} for one learner "
            f"(bound: {bound} s per learner per Redis restart = STUDY_FLUSH_SECONDS "
            f"{flush_seconds} + 2 × STUDY_HEARTBEAT_SECONDS {settings.STUDY_HEARTBEAT_SECONDS})"
        )
        print(f"platform records taken: {taken}; in the ledger: {in_ledger}")
        verdict = "ok" if ledger.returncode == 0 else "bad"
        print(f"verify_ledger: {verdict} ({ledger.stdout.strip()} {ledger.stderr.strip()})")
        problems = [
            what
            for what, wrong in (
                ("requests failed after recovery", after),
                ("certificates issued twice", duplicates),
                ("the ledger disagrees or misses records", not ledger_ok),
                ("the batch did not finish with one certificate each", not batch_ok),
                ("certificates without a PDF", without_pdf),
                ("the report did not finish", report_job.status != JobStatus.DONE),
                ("studied seconds lost beyond the bound", largest > bound),
                (
                    "the worker was not killed half-way through the batch and the report",
                    not 0 < killed["issued_at_kill"] < killed["total"]
                    or killed["report_at_kill"] != JobStatus.RUNNING,
                ),
            )
            if wrong
        ]
        if problems:
            print("FAILED: " + "; ".join(problems), flush=True)
        print(f"failed_after_recovery={after} duplicates={duplicates} ledger=" + (
            "ok" if ledger_ok else "bad"
        ))  # fmt: skip
        return 1 if problems else 0
    finally:
        if load is not None:
            load.stop()
        for service in reversed(services):
            service.stop()
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop("immediate", check=False)
        if not KEEP:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
