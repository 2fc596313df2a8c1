"""gunicorn's configuration for the portal: `make serve`, or

    .venv/bin/gunicorn -c gunicorn.conf.py portal.wsgi

Every value comes from the environment (the variables below, listed in the README's
deployment section); `--bind`, `--workers` and the other command-line options override
this file. The portal runs behind a TLS proxy (nginx) that terminates HTTPS; gunicorn
listens on a local address only.
"""

import os

import environ

env = environ.Env()


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


wsgi_app = "portal.wsgi:application"
proc_name = "portal"

# Where the proxy reaches gunicorn: comma-separated host:port or unix:PATH entries.
bind = env.list("GUNICORN_BIND", default=["127.0.0.1:8000"])

# Sync workers, each a process serving one request at a time: the pages are CPU-bound
# Python, so about two per core keeps the cores busy while others wait on PostgreSQL.
# WEB_CONCURRENCY (gunicorn's and Heroku's name) overrides. Each worker keeps one
# PostgreSQL connection open (CONN_MAX_AGE): see the connection budget in the README.
workers = env.int("WEB_CONCURRENCY", default=2 * cores() + 1)
worker_class = "sync"

# A request that runs longer than this is killed and its worker replaced (the proxy
# answers 502). Long work (PDFs, reports, large uploads) runs on Celery workers; a
# page takes well under a second.
timeout = env.int("GUNICORN_TIMEOUT", default=60)
# On SIGTERM or a restart, workers finish the requests they are serving for this long.
graceful_timeout = env.int("GUNICORN_GRACEFUL_TIMEOUT", default=30)
# Keep-alive to the proxy (sync workers close after each response anyway).
keepalive = 5

# Replace each worker after about this many requests (jitter spreads the restarts so
# the workers are not all replaced at once): bounds the growth of a leak. A worker's
# replacement stalls the requests queued on it (a new process imports Django and
# opens its connections), so not often: at 1,000 a 90 s rush replaced workers 8
# times, holding requests up to 3.3 s.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=20000)
max_requests_jitter = env.int("GUNICORN_MAX_REQUESTS_JITTER", default=2000)
# Import the portal once in the master and fork the workers from it: a new or
# replacement worker starts serving at once instead of importing Django first. Safe
# because nothing opens a connection at import: PostgreSQL connections open on a
# worker's first query, Redis clients and Celery's broker pool are made on first use
# (and redis-py's pools notice a fork). The price: `kill -HUP` restarts the workers
# on the code the master imported; a deploy restarts the master (or sets this off).
preload_app = env.bool("GUNICORN_PRELOAD", default=True)

# Access log to stdout, error log to stderr (the process supervisor keeps them). Behind
# the proxy the peer is the proxy itself: the client's address is logged from the
# X-Forwarded-For header as received, and the time taken in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = env.str("GUNICORN_LOG_LEVEL", default="info")
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)

# Which peers may tell gunicorn that the request came over HTTPS (X-Forwarded-Proto):
# the same trust as Django's. With BEHIND_TLS_PROXY Django reads the header
# (SECURE_PROXY_SSL_HEADER) and gunicorn accepts it from the proxy's addresses,
# FORWARDED_ALLOW_IPS (default: the proxy on this host); without it nobody may (a
# client could otherwise claim HTTPS). The client's address for the throttles is not
# gunicorn's business: Django takes it from X-Forwarded-For by TRUSTED_PROXY_COUNT
# (portal/http.py).
if env.bool("BEHIND_TLS_PROXY", default=False):
    forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
else:
    forwarded_allow_ips = ""
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# The worker heartbeat files in memory, not on a disk that may stall.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - tmpfs, gunicorn's advice for containers
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# gunicorn's control socket (gunicornc) lives at one path per user by default, so a
# second gunicorn on the same host (a benchmark beside the portal) would take it over.
# Off unless GUNICORN_CONTROL_SOCKET names a path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
