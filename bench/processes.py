"""What the benches that run the portal as processes (`faults.py`, `rush.py`) share:
the repository root, `manage.py` in a given environment, and a throwaway signing key
for production settings."""

import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage(env: dict, *args):
    """Run `manage.py <args>` with the environment `env`; raises CalledProcessError."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def with_signing_key(env: dict, folder: Path) -> dict:
    """`env` (production settings) with a throwaway PKCS#12 signing key made under
    `folder` the way development makes its test key (certificates.signing), since
    production refuses to start without one."""
    key, password = folder / "signing.p12", secrets.token_urlsafe(16)
    development = {k: v for k, v in env.items() if k != "DJANGO_ENV"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from certificates.signing import "
            f"ensure_test_key; ensure_test_key({str(key)!r}, {password!r})",
        ],
        cwd=ROOT,
        env={**development, "DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}"},
        check=True,
    )
    return {**env, "SIGNING_PKCS12_PATH": str(key), "SIGNING_PKCS12_PASSWORD": password}
