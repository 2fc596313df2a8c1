"""Settings, read from the environment (django-environ).

With nothing set the portal runs embedded: SQLite under var/, Celery tasks run
in-process, media under var/media, DEBUG on. DATABASE_URL and REDIS_URL switch
to PostgreSQL and Redis. DJANGO_ENV=production refuses to start without
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, an https PORTAL_BASE_URL and the signing
key (SIGNING_PKCS12_PATH and _PASSWORD), or with the console SMS backend, and turns
on the HTTPS settings that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    # No defaults: a missing value raises ImproperlyConfigured at start-up.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    DEBUG = env.bool("DEBUG", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "portal.axes_config.AxesConfig",  # django-axes, named in Chinese
    "portal",
    "credits",
    "learning",
    "certificates",
    "digital_engineer",
    "bases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # What a logged-in user is sent stays out of shared and browser caches.
    "portal.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view's database or Redis outage becomes a 503 (portal.errors).
    "portal.errors.OutageMiddleware",
    "portal.middleware.ActiveRoleMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.active_role",
            ],
        },
    },
]

# Database: PostgreSQL (psycopg 3) when DATABASE_URL is set, else a SQLite file.
if PRODUCTION:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    if "DATABASE_URL" not in env:
        VAR_DIR.mkdir(exist_ok=True)  # the embedded SQLite file lives there
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening one costs PostgreSQL about 5 ms of CPU, more than a
# whole /healthz request, so production keeps each worker's connection open for
# CONN_MAX_AGE seconds; CONN_HEALTH_CHECKS pings a kept connection before a request
# reuses it, so that after a PostgreSQL restart the next request reconnects instead of
# failing. Every gunicorn worker and Celery worker process then holds one connection:
# their sum over all hosts must stay below PostgreSQL's max_connections (README). 0
# (the default outside production) closes the connection after every request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and cache. Without it Celery runs tasks eagerly in-process.
REDIS_URL = env.str("REDIS_URL", default="")
# The name of this deployment in keys of a shared Redis (portal.keyspace.namespace):
# empty = derived from the database's host, port and name.
DEPLOYMENT_ID = env.str("DEPLOYMENT_ID", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping one redis-py client per pool (portal/cache.py).
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
    # Sessions: cached_db, not cache. Reads come from Redis; every write also goes to
    # PostgreSQL, which stays the truth. With the cache engine a Redis restart (or an
    # eviction) would log everyone out, and a Redis outage would make every logged-in
    # page a 503; with cached_db the pages keep serving from the database while Redis
    # is down, and nobody is logged out by a restart. The price is a database write
    # whenever a session changes (login, role switch, logout; not on a plain page
    # view). portal.sessions adds the degraded mode: a session is read from and
    # written to the database while Redis is unreachable, and only ending one (logout)
    # waits for Redis, so that an ended session cannot come back from Redis's copy.
    SESSION_ENGINE = "portal.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Without Redis: Django's database sessions (the default engine).

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# The study clock's flush has a queue of its own, so that it never waits behind reports
# and PDF batches (its tasks expire after one interval). A worker started without -Q
# consumes both queues (CELERY_TASK_QUEUES); a deployment with its own CELERY_QUEUE
# gets its own clock queue too.
CELERY_CLOCK_QUEUE = env.str(
    "CELERY_CLOCK_QUEUE",
    default="clock"
    if CELERY_TASK_DEFAULT_QUEUE == "celery"
    else f"{CELERY_TASK_DEFAULT_QUEUE}-clock",
)
# Each queue bound to an exchange of its own name (Celery's default for the default
# queue): two queues on one exchange and key would each get every task.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, CELERY_CLOCK_QUEUE)
]
CELERY_TASK_ROUTES = {"learning.tasks.flush_study_clock": {"queue": CELERY_CLOCK_QUEUE}}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Unacknowledged tasks of a worker that died come back after this long; the tasks are
# idempotent, and a starting worker also resumes unfinished batches at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_TASK_TIME_LIMIT = 15 * 60
# Celery beat: every city's and the province's report for the previous year on a
# configurable day (default 15 January), and the daily purge of expired report files.
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
REPORT_SCHEDULE_MONTH = env.int("REPORT_SCHEDULE_MONTH", default=1)
REPORT_SCHEDULE_DAY = env.int("REPORT_SCHEDULE_DAY", default=15)
CELERY_BEAT_SCHEDULE = {
    "annual-compliance-reports": {
        "task": "credits.tasks.annual_reports",
        "schedule": crontab(
            minute=0,
            hour=2,
            day_of_month=REPORT_SCHEDULE_DAY,
            month_of_year=REPORT_SCHEDULE_MONTH,
        ),
    },
    "filing-reminders": {  # each morning in April
        "task": "learning.tasks.filing_reminders",
        "schedule": crontab(minute=0, hour=8, month_of_year=4),
    },
    "roster-filing-reminders": {
        "task": "digital_engineer.tasks.remind_roster_filings",
        "schedule": crontab(minute=15, hour=8),
    },
    "complete-due-transfers": {
        "task": "portal.tasks.complete_due_transfers",
        "schedule": crontab(minute=5),
    },
    "purge-expired-reports": {
        "task": "credits.tasks.purge_expired_reports",
        "schedule": crontab(minute=30, hour=3),
    },
}
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = "Asia/Shanghai"

# Accounts and login.
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.backends.IdNumberOrPhoneBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    # Argon2id with OWASP's parameters first (portal.passwords): new passwords and
    # every login's rehash use it. The others only verify older hashes, which Django
    # rewrites with the first hasher at the next successful login. Argon2idHasher
    # replaces Django's Argon2PasswordHasher (same algorithm name).
    default=[
        "portal.passwords.Argon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)

# django-axes: ten failures of one account from one client address lock that account
# at that address for a while; fifty failures from one address, whatever the
# accounts, lock the address (higher: a hospital's or a bureau's staff share one NAT
# address). The order of the parameters matters to portal.lockout.LockoutHandler.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_CLIENT_FAILURE_LIMIT = env.int("AXES_CLIENT_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "portal.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "portal.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
# Axes counts clients by the same address as every other throttle.
AXES_CLIENT_IP_CALLABLE = "portal.http.client_address"
AXES_VERBOSE = False

# Internationalisation: the UI speaks Simplified Chinese.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO dates first in the input formats, so every date input round-trips (see the module).
FORMAT_MODULE_PATH = ["portal.locale_formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static and media files.
STATIC_URL = "/static/"
# collectstatic's target in production; elsewhere files are served from the finders.
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Files only their owners may fetch (evidence, certificates): never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# Security. The cookie and HTTPS settings hold in production; development keeps
# plain HTTP on 127.0.0.1 working.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
# A failed CSRF check says what happened in Chinese (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
# Behind a TLS proxy that sets X-Forwarded-Proto, requests it marks https are secure.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# How many proxies in front of the portal append to X-Forwarded-For: the client is
# the address the outermost one appended (portal.http.client_address); 0 = no proxy,
# REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp 4): scripts, styles and everything else from the
# portal itself only. No inline script, no event-handler attribute, no inline style
# (tests/portal/test_security_headers.py scans the templates): templates hand data to
# static/js through data-* attributes. data: images are Bootstrap's SVG icons (the
# select arrow, the navbar toggler) inside its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address printed in certificates' QR codes; the public verification page.
# `make run` sets it from its HOST and PORT. A printed QR code cannot be corrected,
# so production refuses to start without an https address among ALLOWED_HOSTS.
if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import base_url_problems

    PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")
    if problems := base_url_problems(PORTAL_BASE_URL, ALLOWED_HOSTS):
        raise ImproperlyConfigured(" ".join(problems))
else:
    PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# The key every stored document is signed with (certificates/signing.py): a PKCS#12
# file with the key and its certificate chain, and its password. Production refuses
# to start without a file that opens (portal.checks.signing_key_problems, also run by
# `check --deploy`). Elsewhere, unless SIGNING_PKCS12_PATH is given, a self-signed
# test key is generated under var/ on first use (SIGNING_TEST_KEY).
# SIGNING_SEAL_IMAGE: the seal drawn on every document (a PNG); unset, a neutral round
# seal with the issuer's name is drawn. SIGN_DOCUMENTS=false stores documents
# unsigned: for the benchmark's comparison only, production refuses it.
SIGN_DOCUMENTS = env.bool("SIGN_DOCUMENTS", default=True)
SIGNING_SEAL_IMAGE = env.str("SIGNING_SEAL_IMAGE", default="")
# After a key rotation: the certificates (PEM files, comma-separated paths) of the
# keys the portal signed with before; /verify/ accepts files signed with any of them.
SIGNING_PREVIOUS_CERTIFICATES = env.list("SIGNING_PREVIOUS_CERTIFICATES", default=[])
if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import signing_key_problems

    SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="")
    SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
    SIGNING_TEST_KEY = False
    problems = signing_key_problems(SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD)
    if not SIGN_DOCUMENTS:
        problems.append("SIGN_DOCUMENTS is off: production documents must be signed.")
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
else:
    SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="")
    SIGNING_TEST_KEY = not SIGNING_PKCS12_PATH
    if SIGNING_TEST_KEY:
        SIGNING_PKCS12_PATH = str(VAR_DIR / "signing" / "test-signing-key.p12")
    SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="test-only")

PORTAL_NAME = _("Shandong Continuing Education Portal for Professional Technical Personnel")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pyHanko logs a warning with a traceback quoting the file for every signature
        # field it cannot handle: an upload on /verify/ must not reach the logs.
        "pyhanko": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "pyhanko_certvalidator": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Online study: how often a lesson page reports that it is being studied.
STUDY_HEARTBEAT_SECONDS = env.int("STUDY_HEARTBEAT_SECONDS", default=30)
STUDY_SECONDS_PER_MINUTE = 60
# The study clock lives in Redis when REDIS_URL is set (learning.catalog.study_clock) and is
# flushed to PostgreSQL (LessonProgress) every STUDY_FLUSH_SECONDS by Celery beat,
# and at once when a lesson is done. Bound on loss: a Redis restart loses at most
# STUDY_FLUSH_SECONDS of each learner's time (what was credited since the last
# flush) plus the one beat across the restart (at most 2 × STUDY_HEARTBEAT_SECONDS):
# 60 + 60 s = 2 minutes per learner with the defaults, provided the beat and a
# worker are running. A lesson already done is never lost.
STUDY_FLUSH_SECONDS = env.int("STUDY_FLUSH_SECONDS", default=60)
# A beat in Redis trusts the database's "professional, enrolled in a published
# course" check for this long, then checks again (one query): a course taken offline
# or a role removed stops earning within this time.
STUDY_TICKET_SECONDS = env.int("STUDY_TICKET_SECONDS", default=300)
# Seconds the study clock waits for Redis (to connect, to answer): a slow Redis makes
# a beat a 503 the page retries, not a web worker held for seconds.
STUDY_CLOCK_REDIS_TIMEOUT = env.float("STUDY_CLOCK_REDIS_TIMEOUT", default=0.5)
CELERY_BEAT_SCHEDULE["flush-study-clock"] = {
    "task": "learning.tasks.flush_study_clock",
    "schedule": STUDY_FLUSH_SECONDS,
    "options": {"expires": STUDY_FLUSH_SECONDS},  # a late flush gives way to the next
}

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@jxjy.example.gov.cn")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if not PRODUCTION
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
# The console backend prints password-reset codes where anyone reading the server's
# log can use them: production refuses to start with it (portal.checks, portal.E002).
# A deployment without an SMS gateway sets portal.sms.DisabledBackend (codes by e-mail
# only).
SMS_BACKEND = env.str("SMS_BACKEND", default="portal.sms.ConsoleBackend")
if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import sms_backend_problems

    if problems := sms_backend_problems(SMS_BACKEND):
        raise ImproperlyConfigured(" ".join(problems))
# Password-reset codes an account may be sent in 24 hours: each allows five guesses
# at one of 10^6 codes, so this bounds the guesses a day against one account.
PASSWORD_RESET_CODES_PER_DAY = env.int("PASSWORD_RESET_CODES_PER_DAY", default=5)

# Failed registration attempts a client address may make in an hour.
REGISTRATION_FAILURES_PER_HOUR = env.int("REGISTRATION_FAILURES_PER_HOUR", default=20)
# Failed registration attempts naming one ID number in an hour, from any address: a
# taken number is said to be taken, so this bounds how often anyone may ask about it.
REGISTRATION_FAILURES_PER_ID_NUMBER = env.int("REGISTRATION_FAILURES_PER_ID_NUMBER", default=5)

# Days the former unit has to object to an accepted transfer before it completes.
TRANSFER_OBJECTION_DAYS = env.int("TRANSFER_OBJECTION_DAYS", default=7)

# Offline-hours files larger than this are read on a worker, in a child process whose
# address space may grow by at most OFFLINE_PARSE_MEMORY_MB (credits/offline_jobs.py).
OFFLINE_UPLOAD_WORKER_BYTES = env.int("OFFLINE_UPLOAD_WORKER_BYTES", default=1024 * 1024)
OFFLINE_PARSE_MEMORY_MB = env.int("OFFLINE_PARSE_MEMORY_MB", default=512)
# Every upload is parsed in a forked child whose address space may grow by at most
# TABULAR_PARSE_MEMORY_MB and which may use TABULAR_PARSE_CPU_SECONDS of CPU
# (portal/tabular.py, Table): a file that makes the parser abort ends only that child.
TABULAR_PARSE_MEMORY_MB = env.int("TABULAR_PARSE_MEMORY_MB", default=1024)
TABULAR_PARSE_CPU_SECONDS = env.int("TABULAR_PARSE_CPU_SECONDS", default=120)

# Evidence files of declared activities.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
