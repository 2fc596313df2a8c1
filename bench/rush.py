"""The December rush: study heartbeats, 我的学时, the catalog and /healthz on gunicorn.

Starts the portal as production runs it — gunicorn with gunicorn.conf.py, two sync
workers, DJANGO_ENV=production (DEBUG off, a throwaway SECRET_KEY and signing key,
persistent database connections, sessions and the study clock in Redis) — on
127.0.0.1:BENCH_PORT (8104), against a fresh PostgreSQL database `portal_bench_rush`
on the machine's server (created and dropped by this script) and Redis database 13
(BENCH_REDIS_URL; every key under a prefix of this run's own — CACHE_KEY_PREFIX,
DEPLOYMENT_ID, CELERY_QUEUE — removed at the end). A Celery worker (one process) and
Celery beat run beside it as in production: the beat's flush of the study clock to
PostgreSQL (every STUDY_FLUSH_SECONDS) happens during the run. Requests are sent as
the TLS proxy in front of the portal sends them: HTTP/1.0, Host 127.0.0.1,
`X-Forwarded-Proto: https` (BEHIND_TLS_PROXY) and the learner's own address in
`X-Forwarded-For` (TRUSTED_PROXY_COUNT=1).

The province: BENCH_LEARNERS (2,000) approved professionals of one unit, each with
ledger entries in every ruled year, enrolled in a published course of ten lessons
(45 minutes each: none is finished during the run), among 120 published courses.

Sessions: BENCH_LOGINS (10) learners log in through the login page (the POST), one
after the other on an idle server, after two unmeasured logins; the gunicorn workers'
CPU time over those POSTs, per login, is `login_ms` (the first hasher's check alone
is also timed in this process). Every other
learner's session is made in this process with the portal's own session engine
(SessionStore, as django.contrib.auth.login fills it), which is what a login stores.

The load: BENCH_CONCURRENCY (4) client threads, each one request at a time on a new
connection (sync workers close it after every answer), in BENCH_ROUNDS (5) rounds of
one BENCH_PHASE_SECONDS (3 s) window per endpoint, the order rotated every round so
that every endpoint meets the machine in every state (a window counts the answers
that came within it: a request held up by a worker being replaced, gunicorn's
max_requests, does not stretch it):
  healthz    GET /healthz (the database and Redis checked; no session)
  heartbeat  POST /lessons/<id>/heartbeat/ as static/js/lesson.js sends it (no body,
             X-CSRFToken, Accept: application/json), from distinct learners' sessions:
             blocks of 50 learners, each block beaten twice in a row, then the next
  myhours    GET /hours/my/ (我的学时), learners in turn: each learner's first visit
             in the run, so the page is drawn (its cache holds nothing of her yet);
             after the rounds the table's "myhours 2" row times a second visit of the
             learners seen, served from the cache (credits.hours_cache), for
             comparison — the line's myhours/healthz is the first visits'
  catalog    GET /courses/ logged in, learners in turn
Before the rounds every learner beats once (not measured: the first beat of a lesson
checks the enrolment in the database and starts the clock; after it a beat is served
from Redis until the check is due again, STUDY_TICKET_SECONDS later).

Afterwards the study clock is flushed to PostgreSQL and the run is checked: every
learner's studied time in the database equals what her last acknowledged beat said,
nobody is credited more than the run's wall time plus one heartbeat interval, the
time credited is what the beats' own gaps allow (each credit at most the time between
the two requests, and the beats' gaps within two intervals credited), and
`manage.py verify_ledger` is clean. The exit status is non-zero when a check fails or
more than 0.5 % of the answers are not what the page answers when all is well.

    .venv/bin/python bench/rush.py                       # about four minutes
    BENCH_LEARNERS=500 BENCH_ROUNDS=2 .venv/bin/python bench/rush.py   # a quicker run

It prints a table (requests/s per endpoint, the ratio to /healthz, the CPU per request
of the gunicorn workers, of the run's PostgreSQL backends, of redis-server (shared with
anything else on the machine) and of this client, latency p50/p95/max in ms), the
learners one core carries by CPU (30 s ÷ the server CPU of a beat: what the line's
figure would be on a machine doing nothing else), and last the line
`heartbeat/healthz=… myhours/healthz=… catalog/healthz=… learners_per_core=… login_ms=…`
where learners_per_core = heartbeat requests/s per core of this machine × 30 s (the
learners one core carries beating every 30 s; the load generator shares the cores).

BENCH_PYSPY=<file> has py-spy (`pip install py-spy`; not a dependency) sample the
gunicorn workers during the rounds into <file> (raw: one stack per line with its
count; the lines through a view's function show where that page's time goes).
"""

import contextlib
import datetime
import http.cookies
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from processes import ROOT, manage, with_signing_key

sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "2000"))
LOGINS = int(os.environ.get("BENCH_LOGINS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
PORT = int(os.environ.get("BENCH_PORT", "8104"))
WORKERS = 2
BENCH_DB = os.environ.get("BENCH_DATABASE", "portal_bench_rush")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
KEEP = os.environ.get("BENCH_KEEP") == "1"
HOST = "127.0.0.1"  # the Host the proxy forwards; in ALLOWED_HOSTS
PASSWORD = "Rush-pass-2025"  # noqa: S105 - the bench learners' password
WARM_LOGINS = 2  # logins before the measured ones
PYSPY = os.environ.get("BENCH_PYSPY", "")  # a file: py-spy samples the workers in the rounds
BLOCK = 50  # heartbeats: each block of learners beats twice in a row
LESSONS = 10
LESSON_MINUTES = 45
COURSES = 120
ENDPOINTS = ("healthz", "heartbeat", "myhours", "catalog")
BAD_FRACTION = 0.005
RUN = secrets.token_hex(4)

# Every key this script sets for the portal's processes; inherited values are dropped.
KEYS = [
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
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
    "CELERY_QUEUE",
    "CELERY_CLOCK_QUEUE",
    "CACHE_KEY_PREFIX",
    "DEPLOYMENT_ID",
    "SIGNING_PKCS12_PATH",
    "SIGNING_PKCS12_PASSWORD",
    "LOG_LEVEL",
    "DEBUG",
    "CONN_MAX_AGE",
    "CONN_HEALTH_CHECKS",
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
    "GUNICORN_CMD_ARGS",
    "STUDY_HEARTBEAT_SECONDS",
    "PASSWORD_HASHERS",
]


def production_env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"{SERVER}/{BENCH_DB}",
        REDIS_URL=REDIS,
        PORTAL_BASE_URL=f"https://{HOST}",
        SMS_BACKEND="portal.sms.DisabledBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        BEHIND_TLS_PROXY="true",
        TRUSTED_PROXY_COUNT="1",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        PRIVATE_MEDIA_ROOT=str(folder / "private"),
        # Tasks a request may queue go to a queue of this run's own (no worker runs).
        CELERY_QUEUE=f"bench-rush-{RUN}",
        CACHE_KEY_PREFIX=f"bench-rush-{RUN}",
        # The study clock's keys (portal.keyspace) are this run's own too.
        DEPLOYMENT_ID=f"bench-rush-{RUN}",
        LOG_LEVEL="WARNING",
    )
    return with_signing_key(env, folder)


def fresh_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


# -- the province ----------------------------------------------------------------------


def seed() -> tuple[list[dict], list]:
    """The learners (dicts: pk, id_number, lesson, address) and their users."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from credits.models import Category, Source
    from credits.services import CreditRecord, credit_post_batch, ruled_years
    from learning.models import Course, Enrolment, Lesson
    from portal.models import (
        City,
        Membership,
        ProfessionalProfile,
        ReviewStatus,
        Role,
        Unit,
        User,
    )
    from tests.factories import credit_code_for, id_number_for

    def id_number(n: int) -> str:  # a thousand people per birth date
        return id_number_for(
            n % 1000, birth=datetime.date(1970, 1, 1) + datetime.timedelta(n // 1000)
        )

    unit = Unit.objects.create(
        name="压测医院", credit_code=credit_code_for(1), city=City.objects.get(code="370100")
    )
    hashed = make_password(PASSWORD)  # one hash for all, by the first hasher
    people = User.objects.bulk_create(
        User(id_number=id_number(n), real_name=f"学员{n}", password=hashed) for n in range(LEARNERS)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=p, unit=unit, status=ReviewStatus.APPROVED) for p in people
    )
    Membership.objects.bulk_create(Membership(user=p, role=Role.PROFESSIONAL) for p in people)
    # Every ruled year: two public and two professional entries each.
    credit_post_batch(
        CreditRecord(
            person_id=p.pk,
            year=year,
            category=category,
            hours=Decimal(hours),
            source=Source.PLATFORM,
            source_ref=f"rush-{p.pk}-{year}-{category}-{k}",
            description="专业技术人员能力建设",
            occurred_on=datetime.date(year, 6, 1),
        )
        for p in people
        for year in sorted(ruled_years())
        for category, hours in ((Category.PUBLIC, "15"), (Category.PROFESSIONAL, "30"))
        for k in range(2)
    )
    this_year = timezone.localdate().year
    courses = Course.objects.bulk_create(
        Course(
            title=f"压测课程{n:03d}：专业技术人员职业道德与能力建设",
            summary="课程简介。" * 10,
            teacher_name="张教授",
            category=Category.PUBLIC if n % 2 else Category.PROFESSIONAL,
            hours=Decimal("7.5"),
            first_year=this_year - 5,
            last_year=this_year + 1,
            status=Course.Status.PUBLISHED,
        )
        for n in range(COURSES)
    )
    lessons = Lesson.objects.bulk_create(
        Lesson(course=courses[0], title=f"第{k + 1}讲", minutes=LESSON_MINUTES, order=k)
        for k in range(LESSONS)
    )
    Enrolment.objects.bulk_create(Enrolment(person=p, course=courses[0]) for p in people)
    learners = [
        {
            "pk": p.pk,
            "id_number": p.id_number,
            "lesson": lessons[n % LESSONS].pk,
            "address": f"10.{n // 62500 % 250 + 1}.{n // 250 % 250}.{n % 250 + 1}",
        }
        for n, p in enumerate(people)
    ]
    return learners, people


def make_sessions(learners: list[dict], people: list, skip: set[int]) -> None:
    """A session for each learner not in `skip`, as django.contrib.auth.login stores it
    (the session engine of the settings: Redis and PostgreSQL), and a CSRF cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engine = import_module(settings.SESSION_ENGINE)
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b.lower())
    for learner, person in zip(learners, people, strict=True):
        if learner["pk"] in skip:
            continue
        session = engine.SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        learner["cookies"] = {
            settings.SESSION_COOKIE_NAME: session.session_key,
            settings.CSRF_COOKIE_NAME: secrets.token_hex(16),  # a 32-character secret
        }


# -- the client ------------------------------------------------------------------------


def exchange(request: bytes) -> tuple[int, bytes, bytes]:
    """Send one request on a new connection and read the answer to its end (the
    worker closes the connection): (status, head, body); status 0 on a socket error."""
    try:
        with socket.create_connection((HOST, PORT), timeout=60) as connection:
            connection.sendall(request)
            chunks = []
            while data := connection.recv(262144):
                chunks.append(data)
    except OSError:
        return 0, b"", b""
    head, _sep, body = b"".join(chunks).partition(b"\r\n\r\n")
    try:
        return int(head[9:12]), head, body
    except ValueError:
        return 0, head, body


def request_bytes(
    method: str, path: str, learner: dict | None, body: bytes = b"", extra: dict | None = None
) -> bytes:
    """An HTTP/1.0 request as the TLS proxy forwards it."""
    headers = {
        "Host": HOST,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": learner["address"] if learner else "10.255.0.1",
        "User-Agent": "portal-bench-rush",
        "Connection": "close",
    }
    cookies = (learner or {}).get("cookies")
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if method == "POST":
        headers["Origin"] = f"https://{HOST}"
        headers["Content-Length"] = str(len(body))
    headers.update(extra or {})
    lines = [f"{method} {path} HTTP/1.0", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def heartbeat_bytes(learner: dict) -> bytes:
    lesson = learner["lesson"]
    return request_bytes(
        "POST",
        f"/lessons/{lesson}/heartbeat/",
        learner,
        extra={
            "X-CSRFToken": learner["cookies"]["csrftoken"],
            "Accept": "application/json",
            "Referer": f"https://{HOST}/lessons/{lesson}/",
        },
    )


def set_cookies(head: bytes) -> dict:
    cookies = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _sep, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            for key, morsel in http.cookies.SimpleCookie(value.strip()).items():
                cookies[key] = morsel.value
    return cookies


@dataclass
class Beat:
    learner: int
    sent: float
    answered: float
    seconds: float


@dataclass
class Phase:
    """One endpoint's window. `requests` counts the answers that came within the
    window (`seconds` long); a request still running when it closes is answered
    later and not counted, so that one slow answer (a worker being replaced) does not
    stretch the window while the other clients wait."""

    endpoint: str
    requests: int = 0
    bad: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    cpu: dict = field(default_factory=dict)
    deadline: float = float("inf")


class Load:
    """Bounded closed-loop load: CONCURRENCY threads, one request each at a time."""

    def __init__(self, learners: list[dict]):
        self.learners = learners
        self.lock = threading.Lock()
        self.beats: dict[int, list[Beat]] = defaultdict(list)
        # Heartbeats: blocks of BLOCK learners, each block twice in a row.
        order = []
        for start in range(0, len(learners), BLOCK):
            block = list(range(start, min(start + BLOCK, len(learners))))
            order += block + block
        self.beat_order = itertools.cycle(order)
        self.turns = {name: itertools.cycle(range(len(learners))) for name in ENDPOINTS}
        self.healthz = request_bytes("GET", "/healthz", None)
        self.pages = {
            "myhours": [request_bytes("GET", "/hours/my/", lr) for lr in learners],
            "catalog": [request_bytes("GET", "/courses/", lr) for lr in learners],
        }
        self.beat_requests = [heartbeat_bytes(lr) for lr in learners]

    def next_request(self, endpoint: str, pending=None) -> int:
        with self.lock:
            if pending is not None:
                return next(pending)
            if endpoint == "heartbeat":
                return next(self.beat_order)
            return next(self.turns[endpoint])

    def one(self, endpoint: str, phase: Phase, pending=None) -> None:
        index = self.next_request(endpoint, pending)
        if endpoint == "healthz":
            request = self.healthz
        elif endpoint == "heartbeat":
            request = self.beat_requests[index]
        else:
            request = self.pages[endpoint][index]
        sent = time.monotonic()
        status, head, body = exchange(request)
        answered = time.monotonic()
        problem = None
        if status != 200:
            problem = str(status or "socket error")
        elif endpoint == "heartbeat":
            try:
                seconds = float(json.loads(body)["seconds"])
            except (ValueError, KeyError):
                problem = "200 without seconds"
            else:
                with self.lock:
                    self.beats[self.learners[index]["pk"]].append(
                        Beat(index, sent, answered, seconds)
                    )
        elif endpoint == "healthz":
            if b'"database": "ok"' not in body or b'"redis": "ok"' not in body:
                problem = "200 not ok"
        elif b"text/html" not in head.lower():
            problem = "200 not html"
        with self.lock:
            phase.requests += answered <= phase.deadline
            phase.latencies.append(answered - sent)
            if problem:
                phase.bad[problem] += 1

    def _threads(self, endpoint: str, loop, threads: int, seconds: float | None) -> Phase:
        phase = Phase(endpoint)
        workers = [threading.Thread(target=loop, args=(phase,)) for _ in range(threads)]
        started = time.monotonic()
        if seconds is not None:
            phase.deadline = started + seconds
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        phase.seconds = seconds if seconds is not None else time.monotonic() - started
        return phase

    def run(self, endpoint: str, seconds: float, threads: int = CONCURRENCY) -> Phase:
        """`threads` clients send `endpoint` requests for `seconds`."""

        def loop(phase):
            while time.monotonic() < phase.deadline:
                self.one(endpoint, phase)

        return self._threads(endpoint, loop, threads, seconds)

    def each_learner_once(self, endpoint: str) -> Phase:
        """Every learner's request once (the first beats), CONCURRENCY at a time."""
        pending = iter(range(len(self.learners)))

        def loop(phase):
            with contextlib.suppress(StopIteration):
                while True:
                    self.one(endpoint, phase, pending)

        return self._threads(endpoint, loop, CONCURRENCY, None)


# -- CPU accounting --------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
    return found


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


class Meters:
    """CPU seconds, per group of processes, between two readings: the gunicorn workers,
    the PostgreSQL backends of the bench database, redis-server, this process."""

    def __init__(self, master: int, celery: list[int]):
        import psycopg

        self.master, self.celery = master, celery
        self.monitor = psycopg.connect(f"{SERVER}/postgres", autocommit=True)
        self.redis = pids_named("redis-server")
        self.restarts = 0
        self.known_workers: set[int] = set()

    def groups(self) -> dict[str, list[int]]:
        workers = children(self.master)
        new = set(workers) - self.known_workers
        if self.known_workers:
            self.restarts += len(new)
        self.known_workers |= new
        backends = [
            row[0]
            for row in self.monitor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]
            ).fetchall()
        ]
        celery = [*self.celery, *(c for pid in self.celery for c in children(pid))]
        return {"gunicorn": workers, "postgres": backends, "redis": self.redis, "celery": celery}

    def read(self) -> dict[str, dict[int, float]]:
        reading = {name: {p: cpu_seconds(p) for p in pids} for name, pids in self.groups().items()}
        reading["client"] = {0: time.process_time()}
        return reading

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        # A process that started in between counts from zero; one that ended, not at all.
        return {
            name: sum(value - before[name].get(pid, 0.0) for pid, value in after[name].items())
            for name in after
        }


# -- the run ---------------------------------------------------------------------------


def start_gunicorn(env: dict, folder: Path) -> subprocess.Popen:
    log = folder / "gunicorn.log"
    command = [
        *(str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "portal.wsgi"),
        *("--bind", f"{HOST}:{PORT}", "--workers", str(WORKERS)),
    ]
    with log.open("ab") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    probe = request_bytes("GET", "/healthz", None)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        status, _head, _body = exchange(probe)
        if status == 200 and len(children(server.pid)) >= WORKERS:
            return server
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /healthz; see {log}")


def start_celery(env: dict, folder: Path) -> list[subprocess.Popen]:
    """A Celery worker (one process) and beat, as production runs them: the beat's
    flush of the study clock (every STUDY_FLUSH_SECONDS) runs during the run."""
    processes = []
    for name, args in (
        ("worker", ["worker", "--concurrency", "1", "--without-mingle", "--without-gossip"]),
        ("beat", ["beat", "--schedule", str(folder / "beat-schedule")]),
    ):
        with (folder / f"celery-{name}.log").open("ab") as output:
            processes.append(
                subprocess.Popen(
                    [str(BIN / "celery"), "-A", "portal", *args, "--loglevel", "INFO"],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return processes


def stop_group(server: subprocess.Popen) -> None:
    """Stop a process group this script started (gunicorn, or a Celery process)."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def start_pyspy(master: int) -> subprocess.Popen | None:
    """With BENCH_PYSPY set: py-spy (not a dependency: `pip install py-spy`) records
    the gunicorn workers' stacks during the rounds into that file (raw format: one
    line per stack with its count; grep a view's name to see where its time goes)."""
    if not PYSPY:
        return None
    tool = BIN / "py-spy"
    if not tool.exists():
        raise SystemExit("BENCH_PYSPY is set but .venv/bin/py-spy is missing: pip install py-spy")
    command = [str(tool), "record", "--pid", str(master), "--subprocesses", "--rate", "200"]
    spy = subprocess.Popen(
        [*command, "--nonblocking", "--format", "raw", "--output", PYSPY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # attached before the first round
    return spy


def real_logins(learners: list[dict], meters: Meters) -> tuple[float, float, int]:
    """LOGINS learners log in through the login page, one after the other, after
    WARM_LOGINS unmeasured ones: (gunicorn CPU ms per login POST, wall ms per login,
    logins that failed). Their sessions are the ones their requests use afterwards."""
    failed, walls, cpu = 0, [], 0.0
    for number, learner in enumerate(learners[: LOGINS + WARM_LOGINS]):
        csrf = secrets.token_hex(16)
        learner["cookies"] = {"csrftoken": csrf}
        form = urllib.parse.urlencode(
            {"username": learner["id_number"], "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        ).encode()
        request = request_bytes(
            "POST",
            "/login/",
            learner,
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{HOST}/login/",
            },
        )
        before = meters.read()
        started = time.monotonic()
        status, head, _body = exchange(request)
        if number >= WARM_LOGINS:  # the first ones load the hasher into the workers
            walls.append(time.monotonic() - started)
            cpu += Meters.spent(before, meters.read())["gunicorn"]
        cookies = set_cookies(head)
        if status != 302 or "sessionid" not in cookies:
            failed += 1
            continue
        learner["cookies"] = {
            "sessionid": cookies["sessionid"],
            "csrftoken": cookies.get("csrftoken", csrf),
        }
    return cpu * 1000 / max(1, len(walls)), statistics.median(walls) * 1000, failed


def hasher_ms() -> float:
    """CPU ms of one password check by the first hasher, in this process."""
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    started = time.process_time()
    for _ in range(3):
        check_password(PASSWORD, encoded)
    return (time.process_time() - started) * 1000 / 3


def credit_checks(load: Load, learners: list[dict], wall: float, interval: int) -> dict:
    """Flush the clock and compare the database with the acknowledged beats."""
    from learning.catalog import study_clock
    from learning.models import LessonProgress

    if study_clock.enabled():
        while study_clock.flush():
            pass
    stored = {
        (row["enrolment__person_id"], row["lesson_id"]): float(row["seconds"])
        for row in LessonProgress.objects.values("enrolment__person_id", "lesson_id", "seconds")
    }
    result = {"lost": 0, "over_wall": 0, "over_gap": 0, "credited": 0.0, "allowed": 0.0}
    result["largest"] = 0.0
    for learner in learners:
        beats = sorted(load.beats.get(learner["pk"], []), key=lambda b: b.sent)
        if not beats:
            continue
        in_db = stored.get((learner["pk"], learner["lesson"]), 0.0)
        acknowledged = max(b.seconds for b in beats)
        if in_db + 0.001 < acknowledged:
            result["lost"] += 1
        result["largest"] = max(result["largest"], in_db)
        if in_db > wall + interval:
            result["over_wall"] += 1
        for previous, beat in itertools.pairwise(beats):
            gained = beat.seconds - previous.seconds
            result["credited"] += gained
            if gained > beat.answered - previous.sent + 0.002:
                result["over_gap"] += 1
            if beat.answered - previous.sent <= 2 * interval - 1:
                result["allowed"] += max(0.0, beat.sent - previous.answered)
    return result


def verify_ledger() -> tuple[bool, str]:
    from django.core.management import CommandError, call_command

    try:
        call_command("verify_ledger", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except CommandError as error:
        return False, str(error)
    return True, "clean"


def forget_redis_keys() -> None:
    """Remove this run's keys: the study clock's (its own `forget_all`), and the cache's,
    the sessions' and the Celery queue's (under this run's prefix)."""
    import redis

    from learning.catalog import study_clock

    study_clock.forget_all()
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"*bench-rush-{RUN}*", count=1000):
        client.delete(key)


def row(name: str, phases: list[Phase], base_rate: float) -> tuple[str, float, float]:
    """A line of the table: (line, requests/s, server CPU ms per request: gunicorn
    workers, PostgreSQL backends and redis-server)."""
    requests = sum(p.requests for p in phases)
    seconds = sum(p.seconds for p in phases)
    rate = requests / seconds if seconds else 0.0
    cpu = Counter()
    for p in phases:
        cpu.update(p.cpu)
    per = {k: v * 1000 / requests if requests else 0.0 for k, v in cpu.items()}
    latencies = sorted(x for p in phases for x in p.latencies)
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0.0
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0
    longest = latencies[-1] * 1000 if latencies else 0.0
    bad = sum(sum(p.bad.values()) for p in phases)
    ratio = rate / base_rate if base_rate else 0.0
    line = (
        f"{name:10} {requests:7} {seconds:6.1f} {rate:8.1f} {ratio:6.2f} "
        f"{per.get('gunicorn', 0):8.1f} {per.get('postgres', 0):7.1f} {per.get('redis', 0):6.2f} "
        f"{per.get('client', 0):6.2f} {p50:6.0f} {p95:6.0f} {longest:6.0f} {bad:5}"
    )
    server = sum(per.get(k, 0.0) for k in ("gunicorn", "postgres", "redis"))
    return line, rate, server


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="bench-rush-"))
    server, celery = None, []
    try:
        fresh_database()
        env = production_env(folder)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        interval = settings.STUDY_HEARTBEAT_SECONDS
        forget_redis_keys()  # a clock a killed run left for a database of this name
        learners, people = seed()
        login_sample = {lr["pk"] for lr in learners[: LOGINS + WARM_LOGINS]}
        make_sessions(learners, people, skip=login_sample)
        connections.close_all()
        celery = start_celery(env, folder)
        server = start_gunicorn(env, folder)
        meters = Meters(server.pid, [process.pid for process in celery])
        cores = len(os.sched_getaffinity(0))

        login_cpu_ms, login_wall_ms, login_failed = real_logins(learners, meters)
        hash_ms = hasher_ms()
        load = Load(learners)
        for endpoint in ENDPOINTS:  # warm the workers: templates, first queries
            if endpoint != "heartbeat":
                load.run(endpoint, 0.5, threads=WORKERS)
        run_started = time.monotonic()
        before = meters.read()
        first = load.each_learner_once("heartbeat")
        first.cpu = Meters.spent(before, meters.read())
        phases: dict[str, list[Phase]] = defaultdict(list)
        spy = start_pyspy(server.pid)
        for round_ in range(ROUNDS):
            for k in range(len(ENDPOINTS)):
                endpoint = ENDPOINTS[(round_ + k) % len(ENDPOINTS)]
                before = meters.read()
                phase = load.run(endpoint, PHASE_SECONDS)
                phase.cpu = Meters.spent(before, meters.read())
                phases[endpoint].append(phase)
        # 我的学时 again for the learners who saw it in the rounds (their ledgers have
        # not changed since: the page as a learner sees it on her next visit).
        visited = min(sum(p.requests for p in phases["myhours"]), len(learners))
        load.turns["myhours"] = itertools.cycle(range(max(visited, 1)))
        before = meters.read()
        again = load.run("myhours", PHASE_SECONDS * 2)
        again.cpu = Meters.spent(before, meters.read())
        wall = time.monotonic() - run_started
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=120)
        stop_group(server)
        server = None
        for process in celery:
            stop_group(process)
        celery = []
        connections.close_all()

        checks = credit_checks(load, learners, wall, interval)
        ledger_ok, ledger_text = verify_ledger()

        base_rate = sum(p.requests for p in phases["healthz"]) / sum(
            p.seconds for p in phases["healthz"]
        )
        print(
            f"rush: {LEARNERS} learners ({LOGINS} logged in through the login page, the rest "
            f"by the session engine in this process), gunicorn on :{PORT} ({WORKERS} sync "
            f"workers, production settings), {CONCURRENCY} client threads, {ROUNDS} rounds "
            f"of {PHASE_SECONDS:g} s per endpoint; {cores} cores; heartbeat every {interval} s"
        )
        print(
            f"{'endpoint':10} {'reqs':>7} {'s':>6} {'req/s':>8} {'×hz':>6} "
            f"{'gun ms':>8} {'pg ms':>7} {'rds ms':>6} {'cli ms':>6} {'p50':>6} {'p95':>6} "
            f"{'max':>6} {'bad':>5}"
        )
        rates, server_ms = {}, {}
        for endpoint in ENDPOINTS:
            line, rates[endpoint], server_ms[endpoint] = row(endpoint, phases[endpoint], base_rate)
            print(line)
        line, _rate, _server = row("1st beat", [first], base_rate)
        print(line + "  (each learner's first beat, before the rounds)")
        line, _rate, _server = row("myhours 2", [again], base_rate)
        print(line + "  (我的学时 again, after the rounds, for learners who saw it in them)")
        print("(CPU ms per request: gunicorn workers, PostgreSQL backends of the bench")
        print(" database, redis-server (shared with the machine), this client; latency ms)")
        print(f"gunicorn workers replaced during the run (max_requests): {meters.restarts}")
        celery_s = sum(p.cpu.get("celery", 0.0) for ps in phases.values() for p in ps)
        flush_every = getattr(settings, "STUDY_FLUSH_SECONDS", "?")
        print(
            f"Celery worker and beat (the study clock's flush every {flush_every} s): "
            f"{celery_s:.1f} s CPU in the rounds"
        )
        print(
            f"learners per core by CPU: {interval} s / {server_ms['heartbeat']:.1f} ms of "
            f"gunicorn, PostgreSQL and Redis CPU per beat = "
            f"{interval * 1000 / max(server_ms['heartbeat'], 0.001):.0f} (the line below "
            "counts the requests/s this machine served per core, load generator included)"
        )
        print(
            f"logins: {LOGINS} through the login page, {login_failed} failed; "
            f"{login_cpu_ms:.0f} ms of gunicorn CPU and {login_wall_ms:.0f} ms wall each; "
            f"the first hasher's check alone {hash_ms:.0f} ms CPU in this process"
        )
        beaten = len(load.beats)
        print(
            f"heartbeats: {beaten} learners beat; {checks['credited']:.1f} s credited in all "
            f"({checks['allowed']:.1f} s between beats within {2 * interval} s); "
            f"most for one learner {checks['largest']:.1f} s (wall {wall:.0f} s + "
            f"{interval} s allowed); over the wall {checks['over_wall']}, more than the gap "
            f"{checks['over_gap']}, acknowledged but not in the database {checks['lost']}"
        )
        print(f"verify_ledger: {ledger_text}")
        print("targets: heartbeat/healthz >= 0.6, myhours/healthz >= 0.35, ")
        print("         catalog/healthz >= 0.35, learners_per_core >= 5,000, login_ms <= 100")
        failures = []
        requests = sum(p.requests for ps in phases.values() for p in ps)
        bad = sum(sum(p.bad.values()) for ps in phases.values() for p in ps)
        bad += sum(first.bad.values()) + sum(again.bad.values())
        if bad > BAD_FRACTION * requests:
            kinds = Counter()
            for ps in [*phases.values(), [first], [again]]:
                for p in ps:
                    kinds.update({f"{p.endpoint} {k}": v for k, v in p.bad.items()})
            failures.append(f"{bad} bad answers of {requests} ({dict(kinds)})")
        if login_failed:
            failures.append(f"{login_failed} logins failed")
        if checks["credited"] <= 0 or checks["credited"] < 0.9 * checks["allowed"]:
            failures.append(
                f"heartbeats credited {checks['credited']:.1f} s where their gaps allow "
                f"{checks['allowed']:.1f} s"
            )
        if checks["over_wall"] or checks["over_gap"] or checks["lost"]:
            failures.append("studied time over the wall time, over the gap, or lost")
        if not ledger_ok:
            failures.append(f"verify_ledger: {ledger_text}")
        per_core = rates["heartbeat"] / cores * interval
        print(
            f"heartbeat/healthz={rates['heartbeat'] / base_rate:.2f} "
            f"myhours/healthz={rates['myhours'] / base_rate:.2f} "
            f"catalog/healthz={rates['catalog'] / base_rate:.2f} "
            f"learners_per_core={per_core:.0f} login_ms={login_cpu_ms:.0f}"
        )
        if failures:
            print("FAILED: " + "; ".join(failures), file=sys.stderr)
            return 1
        return 0
    finally:
        if server is not None:
            stop_group(server)
        for process in celery:
            stop_group(process)
        with contextlib.suppress(Exception):
            forget_redis_keys()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not KEEP:
            drop_database()
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept: database {BENCH_DB}, logs in {folder}")


if __name__ == "__main__":
    sys.exit(main())
