"""Production settings: refuse to start half-configured, pass check --deploy."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from certificates.signing import ensure_test_key

ROOT = Path(__file__).resolve().parents[2]
# Production signs with the key of a PKCS#12 file it is given: here one made for the
# tests (race-safe, shared by parallel runs).
PRODUCTION_PKCS12 = Path(tempfile.gettempdir()) / "portal-tests" / "production-signing.p12"
PRODUCTION_PKCS12_PASSWORD = "production-test-password"
ensure_test_key(PRODUCTION_PKCS12, PRODUCTION_PKCS12_PASSWORD)
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "kP7qW2vLm9xR4tW8zN3cJ6hF1bD5gY0sAuEiOa3Zr8Tq1Xy6Vb4Nm2Lk7Jh5Gf9Dd",
    "ALLOWED_HOSTS": "jxjy.example.gov.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_BASE_URL": "https://jxjy.example.gov.cn",
    "SMS_BACKEND": "portal.sms.DisabledBackend",
    "SIGNING_PKCS12_PATH": str(PRODUCTION_PKCS12),
    "SIGNING_PKCS12_PASSWORD": PRODUCTION_PKCS12_PASSWORD,
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_portal_base_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "PORTAL_BASE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PORTAL_BASE_URL is not set" in result.stderr


@pytest.mark.parametrize("backend", [None, "portal.sms.ConsoleBackend"])
def test_production_refuses_to_start_printing_reset_codes_on_the_console(backend):
    """Unset, SMS_BACKEND is the console one, which writes every password-reset code
    into the server's log."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SMS_BACKEND"}
    if backend:
        env["SMS_BACKEND"] = backend
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SMS_BACKEND is portal.sms.ConsoleBackend" in result.stderr


def test_check_deploy_reports_the_console_sms_backend():
    result = manage("check", "--deploy", env={"SMS_BACKEND": "portal.sms.ConsoleBackend"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "portal.E002" in output
    assert "prints password-reset codes" in output


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("http://jxjy.example.gov.cn", "must start with https://"),
        ("https://127.0.0.1:8000", "is not in ALLOWED_HOSTS"),
        ("https://jxjy.example.gov.cn.evil.example", "is not in ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_a_base_url_that_is_not_https_or_not_served(base_url, problem):
    result = manage("check", env={**PRODUCTION_ENV, "PORTAL_BASE_URL": base_url})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert problem in result.stderr


def test_production_accepts_a_base_url_matching_a_wildcard_host():
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": ".example.gov.cn",
        "PORTAL_BASE_URL": "https://jxjy.example.gov.cn/",
    }
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_a_base_url_the_qr_codes_cannot_use():
    """Outside production nothing refuses to start; the deploy check still says so."""
    result = manage(
        "check",
        "--deploy",
        env={"PORTAL_BASE_URL": "http://127.0.0.1:8000", "ALLOWED_HOSTS": "jxjy.example.gov.cn"},
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "portal.E001" in output
    assert "must start with https://" in output
    assert "'127.0.0.1' is not in ALLOWED_HOSTS" in output


def test_make_run_gives_the_qr_codes_its_own_host_and_port():
    """`make run PORT=8101` serves on 8101 and its certificates, the demo's included,
    point there."""
    assert make_run_base_url("PORT=8101") == "http://127.0.0.1:8101"
    assert make_run_base_url("HOST=localhost", "PORT=8102") == "http://localhost:8102"
    given = make_run_base_url("PORT=8101", PORTAL_BASE_URL="https://jxjy.example.gov.cn")
    assert given == "https://jxjy.example.gov.cn"


def make_run_base_url(*arguments, **environment) -> str | None:
    """The PORTAL_BASE_URL `make run` seeds the demo and starts the server with (read
    from `make -n`); both steps must use the same one."""
    base = {k: v for k, v in os.environ.items() if k not in ("PORTAL_BASE_URL", "HOST", "PORT")}
    result = subprocess.run(
        ["make", "-n", "run", *arguments],
        cwd=ROOT,
        env={**base, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [
        line for line in result.stdout.splitlines() if "runserver" in line or "seed_demo" in line
    ]
    assert len(commands) == 2, result.stdout
    [url] = {(re.search(r"PORTAL_BASE_URL=(\S+)", c) or [None, None])[1] for c in commands}
    return url
