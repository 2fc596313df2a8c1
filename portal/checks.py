"""System checks of the portal's own settings.

`PORTAL_BASE_URL` is printed into every certificate's QR code and verification link,
and a printed certificate cannot be corrected: in production it must be the public
HTTPS address the portal actually answers on. Production settings refuse to start
with a bad value (`base_url_problems` there); `manage.py check --deploy` reports the
same problems for any settings it is run with.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


def base_url_problems(base_url: str, allowed_hosts: list[str]) -> list[str]:
    """What is wrong with `base_url` as the public address of a production portal:
    an empty list when it is an https URL whose host the portal serves (matches
    `allowed_hosts` the way Django matches a request's Host header)."""
    # Imported here: settings.py calls this before Django is set up.
    from django.http.request import validate_host

    if not base_url:
        return ["PORTAL_BASE_URL is not set: certificates' QR codes need the portal's address."]
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return [f"PORTAL_BASE_URL {base_url!r} is not a URL."]
    problems = []
    if parts.scheme != "https":
        problems.append(f"PORTAL_BASE_URL {base_url!r} must start with https://.")
    if not host:
        problems.append(f"PORTAL_BASE_URL {base_url!r} names no host.")
    elif not validate_host(host, allowed_hosts):
        problems.append(
            f"PORTAL_BASE_URL's host {host!r} is not in ALLOWED_HOSTS: "
            "the verification links would be refused."
        )
    return problems


@register(Tags.security, deploy=True)
def check_portal_base_url(app_configs, **kwargs):
    """portal.E001: the address in the QR codes is not a served https address."""
    return [
        Error(
            problem, hint="Set PORTAL_BASE_URL, e.g. https://jxjy.example.gov.cn", id="portal.E001"
        )
        for problem in base_url_problems(
            getattr(settings, "PORTAL_BASE_URL", ""), settings.ALLOWED_HOSTS
        )
    ]


CONSOLE_SMS_BACKEND = "portal.sms.ConsoleBackend"


def sms_backend_problems(backend: str) -> list[str]:
    """What is wrong with `backend` (the SMS_BACKEND dotted path) for production: the
    console backend writes password-reset codes into the server's output, where
    whoever reads the logs can take over any account that resets by phone."""
    if backend.strip() == CONSOLE_SMS_BACKEND:
        return [
            f"SMS_BACKEND is {CONSOLE_SMS_BACKEND}, which prints password-reset codes "
            "to the console: set the SMS gateway's backend, or "
            "portal.sms.DisabledBackend to send codes by e-mail only."
        ]
    return []


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs, **kwargs):
    """portal.E002: password-reset codes would be printed, not sent."""
    return [
        Error(problem, hint="Set SMS_BACKEND to the SMS gateway's backend.", id="portal.E002")
        for problem in sms_backend_problems(getattr(settings, "SMS_BACKEND", ""))
    ]


@register(Tags.security, deploy=True)
def check_trusted_proxy_count(app_configs, **kwargs):
    """portal.W101: behind a TLS proxy, but no proxy is trusted for the client's address:
    every client then has the proxy's address, and one client's failures throttle all."""
    if getattr(settings, "BEHIND_TLS_PROXY", False) and not settings.TRUSTED_PROXY_COUNT:
        return [
            Warning(
                "BEHIND_TLS_PROXY is set but TRUSTED_PROXY_COUNT is 0: every client is "
                "counted under the proxy's address by the throttles and the login lockout.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
                "X-Forwarded-For (1 for one nginx).",
                id="portal.W101",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def check_persistent_connections(app_configs, **kwargs):
    """portal.W103: PostgreSQL connections are not kept between requests (each new one
    costs the database about 5 ms of CPU, more than a whole /healthz request), or are
    kept without health checks (after a PostgreSQL restart each worker's next request
    would fail on its dead connection instead of reconnecting)."""
    database = settings.DATABASES["default"]
    if "postgresql" not in database.get("ENGINE", ""):
        return []
    if not database.get("CONN_MAX_AGE"):
        problem = (
            "CONN_MAX_AGE is 0: every request opens a new PostgreSQL connection, "
            "which costs the database more CPU than most requests."
        )
    elif not database.get("CONN_HEALTH_CHECKS"):
        problem = (
            "CONN_HEALTH_CHECKS is off with persistent connections: after a PostgreSQL "
            "restart each worker's next request fails on its dead connection."
        )
    else:
        return []
    return [
        Warning(
            problem,
            hint="Leave CONN_MAX_AGE (60 in production) and CONN_HEALTH_CHECKS (on) unset.",
            id="portal.W103",
        )
    ]


def signing_key_problems(path: str, password: str) -> list[str]:
    """What is wrong with the PKCS#12 file at `path` as the key production signs every
    document with (certificates/signing.py): an empty list when both are set, the file
    opens with `password` and holds a private key with a certificate that is valid
    today. Opening it is a few milliseconds (cryptography)."""
    import datetime
    from pathlib import Path

    if not path or not password:
        return [
            "SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD must be set: every "
            "certificate is signed with the key of that PKCS#12 file."
        ]
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return [f"SIGNING_PKCS12_PATH {path!r} cannot be read ({error.strerror})."]
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError:
        return [
            f"SIGNING_PKCS12_PATH {path!r} is not a PKCS#12 file that "
            "SIGNING_PKCS12_PASSWORD opens."
        ]
    if key is None or certificate is None:
        return [f"SIGNING_PKCS12_PATH {path!r} holds no private key with its certificate."]
    now = datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return [
            f"The signing certificate in {path!r} is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}."
        ]
    return []


@register(Tags.security, deploy=True)
def check_signing_key(app_configs, **kwargs):
    """portal.E003: documents cannot be signed with the configured key. Outside
    production the generated test key is reported as a warning."""
    if getattr(settings, "SIGNING_TEST_KEY", False):
        return [
            Warning(
                "Documents are signed with a self-signed test key generated under var/.",
                hint="Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD to the "
                "portal's signing key.",
                id="portal.W102",
            )
        ]
    return [
        Error(
            problem, hint="Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD.", id="portal.E003"
        )
        for problem in signing_key_problems(
            getattr(settings, "SIGNING_PKCS12_PATH", ""),
            getattr(settings, "SIGNING_PKCS12_PASSWORD", ""),
        )
    ]
