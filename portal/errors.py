"""Error answers that say what happened: outages of PostgreSQL or Redis (503) and
CSRF failures (403), in Chinese.

An outage is not a bug. When the database or Redis cannot be reached the request
cannot be served, but nothing is wrong with the request or the code, and the portal
recovers by itself once the dependency is back. So such a request gets:

- a 503 with `Retry-After`: the Chinese page templates/503.html, or a JSON body
  for the study heartbeat, the platform push API and clients asking for JSON (the
  lesson page's script keeps beating and gets through once the outage is over);
- one WARNING line on the "portal.outage" logger that starts with "outage:", not
  the ERROR ("Internal Server Error") Django logs for a bug.

What each dependency's outage means for the pages:

- PostgreSQL down: sessions live in the database (with Redis, a copy is cached
  there) and every logged-in request loads its user from it, so every page of a
  logged-in user, login, and public pages visited with a session cookie answer 503
  until it is back; the sessions are kept, so nobody is logged out by the outage.
  Nothing is written, so nothing is lost.
- Redis down: sessions and the ledger are unaffected (they are in PostgreSQL):
  portal.sessions reads and writes sessions in the database alone, so logged-in
  pages and login keep working; only logout answers 503, so that an ended session
  cannot come back with Redis's copy. The throttles refuse deliberately
  (portal.throttle: fail closed, 503), so certificate verification and
  registration wait for Redis rather than go unthrottled; the
  platform push API (its replay guard is in the cache) answers a JSON 503, and the
  platforms send again. Queuing a Celery task (certificate PDFs, reports) fails the
  same way and says so with a 503.

Two paths lead here: OutageMiddleware.process_exception catches what a view raises,
and `server_error` (handler500) what a middleware raises (the session is read in
middleware, so a database outage mostly arrives there).
"""

import logging
import sys

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("portal.outage")

RETRY_AFTER_SECONDS = 30

# The views a script or a machine calls: they get JSON, whatever they Accept.
JSON_VIEWS = {"learning:heartbeat", "learning:push", "learning:openapi"}

# SQLSTATE classes that mean "the server is not there or not serving", as opposed to
# a fault of the query: 08 connection exception, 53 insufficient resources, 57
# operator intervention (shutdown, cancelled by a timeout). Without a SQLSTATE (the
# connection was never made) it is an outage too.
_OUTAGE_SQLSTATE_CLASSES = {"08", "53", "57"}


class ServiceUnavailable(Exception):
    """A dependency the request needs is unreachable; answered with a 503."""

    def __init__(self, dependency: str, detail: str = ""):
        super().__init__(f"{dependency}: {detail}" if detail else dependency)
        self.dependency = dependency


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover - redis is a requirement
        return ()
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _broker_errors() -> tuple[type[BaseException], ...]:
    try:
        import kombu.exceptions
    except ImportError:  # pragma: no cover - Celery brings kombu
        return ()
    return (kombu.exceptions.OperationalError,)


REDIS_ERRORS = _redis_errors()
BROKER_ERRORS = _broker_errors()


def outage_dependency(error: BaseException | None) -> str | None:
    """Which dependency `error` says is unreachable ("database", "redis", …), or
    None when it is not an outage (a bug, which stays a 500)."""
    from django.db import InterfaceError, OperationalError

    if isinstance(error, ServiceUnavailable):
        return error.dependency
    if isinstance(error, InterfaceError):
        return "database"
    if isinstance(error, OperationalError):
        cause = error.__cause__
        if cause is None or not hasattr(cause, "sqlstate"):
            # Not from psycopg (SQLite in development: "no such table" is a bug).
            return None
        sqlstate = cause.sqlstate
        if sqlstate is None or sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES:
            return "database"
        return None
    if REDIS_ERRORS and isinstance(error, REDIS_ERRORS):
        return "redis"
    if BROKER_ERRORS and isinstance(error, BROKER_ERRORS):
        return "broker"
    return None


def _wants_json(request) -> bool:
    if "application/json" in request.headers.get("Accept", ""):
        return True
    try:
        return resolve(request.path_info).view_name in JSON_VIEWS
    except Resolver404:
        return False


def log_outage(dependency: str, error: BaseException, what: str) -> None:
    """Log an outage the one way (module docstring): one WARNING line on the
    "portal.outage" logger, `outage: <dependency> unavailable (<error class>: <first
    line of the error>): <what>` — `what` says what the request did instead or where
    it failed. For callers that carry on without the dependency (a page drawn from
    the database when Redis is down) as well as for the 503s."""
    detail = str(error).strip()
    logger.warning(
        "outage: %s unavailable (%s: %s): %s",
        dependency,
        type(error).__name__,
        detail.splitlines()[0] if detail else "",
        what,
    )


def outage_response(request, error: BaseException, dependency: str) -> HttpResponse:
    """The 503 for an outage of `dependency`, logged once as an outage."""
    log_outage(dependency, error, f"{request.method} {request.path}")
    message = _("The service is temporarily unavailable. Please try again later.")
    if _wants_json(request):
        response = JsonResponse({"error": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        # Rendered without the request: its context processors read the session and
        # the user, which may be what is down.
        response = HttpResponse(
            loader.get_template("503.html").render(
                {"message": message, "retry_after": RETRY_AFTER_SECONDS}
            ),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Logged above as an outage; Django's request logger must not log it again as a
    # server error (it skips responses marked so).
    response._has_been_logged = True
    return response


class OutageMiddleware:
    """Answer a view's outage exception with a 503 (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        dependency = outage_dependency(exception)
        if dependency is None:
            return None
        return outage_response(request, exception, dependency)


def server_error(request):
    """handler500: an outage raised outside a view (in a middleware, e.g. while the
    session is read) still gets the 503; anything else is the plain 500 page."""
    error = sys.exc_info()[1]
    dependency = outage_dependency(error)
    if dependency is not None:
        return outage_response(request, error, dependency)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form was stale (usually an expired page or a session
    that ended) or cookies are blocked; say so in Chinese, not Django's English."""
    from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER

    context = {
        "no_cookie": reason == REASON_NO_CSRF_COOKIE,
        "no_referer": reason == REASON_NO_REFERER,
    }
    return render(request, "403_csrf.html", context, status=403)
