"""Serving in production: gunicorn's configuration (gunicorn.conf.py), persistent
database connections with health checks, sessions in Redis, Argon2id first."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.portal.test_settings import PRODUCTION_ENV, ROOT, manage

GUNICORN = Path(sys.executable).parent / "gunicorn"


def production_settings(*names, env=PRODUCTION_ENV) -> dict:
    """The named settings as the production configuration loads them."""
    code = (
        "import json; from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(json.dumps({'CONN_MAX_AGE': d['CONN_MAX_AGE'], "
        "'CONN_HEALTH_CHECKS': d['CONN_HEALTH_CHECKS'], "
        f"**{{n: getattr(s, n) for n in {list(names)!r}}}}}))"
    )
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_open_with_health_checks():
    loaded = production_settings("SESSION_ENGINE", "PASSWORD_HASHERS")
    assert loaded["CONN_MAX_AGE"] == 60
    assert loaded["CONN_HEALTH_CHECKS"] is True
    assert loaded["SESSION_ENGINE"] == "portal.sessions"
    assert loaded["PASSWORD_HASHERS"][0] == "portal.passwords.Argon2idHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in loaded["PASSWORD_HASHERS"]


def test_without_redis_sessions_stay_in_the_database():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    loaded = production_settings("SESSION_ENGINE", env=env)
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_check_deploy_warns_when_every_request_opens_a_connection():
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "CONN_MAX_AGE": "0"})
    assert "portal.W103" in result.stdout + result.stderr
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "CONN_HEALTH_CHECKS": "off"})
    assert "portal.W103" in result.stdout + result.stderr
    assert "after a PostgreSQL restart" in result.stdout + result.stderr


def gunicorn_config(env=None, *args) -> dict:
    """gunicorn's resolved settings from gunicorn.conf.py (its --print-config)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WEB_CONCURRENCY", "GUNICORN_BIND", "BEHIND_TLS_PROXY", "GUNICORN_CMD_ARGS")
    }
    result = subprocess.run(
        [GUNICORN, "-c", "gunicorn.conf.py", "--print-config", *args, "portal.wsgi"],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told():
    cores = len(os.sched_getaffinity(0))
    config = gunicorn_config()
    assert config["workers"] == str(2 * cores + 1)
    assert config["worker_class"] == "sync"
    assert config["bind"] == "['127.0.0.1:8000']"
    assert config["accesslog"] == "-"
    assert int(config["timeout"]) > 0 and int(config["graceful_timeout"]) > 0
    assert int(config["max_requests"]) > int(config["max_requests_jitter"]) > 0
    assert config["control_socket_disable"] == "True"  # two gunicorns on one host
    from_env = gunicorn_config({"WEB_CONCURRENCY": "3", "GUNICORN_BIND": "unix:/run/portal.sock"})
    assert (from_env["workers"], from_env["bind"]) == ("3", "['unix:/run/portal.sock']")
    told = gunicorn_config({"WEB_CONCURRENCY": "3"}, "--workers", "4", "--bind", "127.0.0.1:9")
    assert (told["workers"], told["bind"]) == ("4", "['127.0.0.1:9']")


def test_gunicorn_trusts_x_forwarded_proto_only_behind_the_proxy():
    assert gunicorn_config()["forwarded_allow_ips"] == "[]"
    behind = gunicorn_config({"BEHIND_TLS_PROXY": "true"})
    assert behind["forwarded_allow_ips"] == "['127.0.0.1', '::1']"


@pytest.mark.django_db
def test_the_portal_serves_on_gunicorn_with_production_settings(tmp_path):
    """A real gunicorn with the production settings behind a (simulated) TLS proxy:
    /healthz answers over the proxy's https, plain http is redirected to https."""
    database = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV},
        **PRODUCTION_ENV,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = listening_at(log, server)
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
            f"{url}/healthz", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.status == 200
            assert json.load(response)["database"] == "ok"
        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.build_opener(NoRedirect).open(f"{url}/healthz", timeout=30)
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"].startswith("https://")
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert '"GET /healthz HTTP/1.1" 200' in log.read_text()  # the access log


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def listening_at(log: Path, server) -> str:
    for _ in range(300):
        text = log.read_text()
        match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", text)
        if match and "Booting worker" in text:
            return match[1]
        assert server.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(log.read_text())


def test_gunicorn_rarely_replaces_workers_and_forks_them_from_a_loaded_portal():
    """Replacing a worker stalls the requests queued on it: not every 1,000 requests."""
    config = gunicorn_config()
    assert (config["max_requests"], config["max_requests_jitter"]) == ("20000", "2000")
    assert config["preload_app"] == "True"
    assert gunicorn_config({"GUNICORN_PRELOAD": "off"})["preload_app"] == "False"
