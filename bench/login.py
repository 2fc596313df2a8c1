"""CPU per login: the password check of the first hasher against the old one.

A login's cost is the hash of the password it checks. This verifies one password
`BENCH_LOGINS` times (default 20) against a hash made by each hasher: Django's
PBKDF2 (the portal's hasher until Argon2id, 1,000,000 iterations in Django 5.2) and
the first of PASSWORD_HASHERS (portal.passwords.Argon2idHasher: Argon2id, 19 MiB,
time cost 2, parallelism 1), timed with time.process_time (CPU of this process,
all threads). Also checks that a wrong password is refused by both, and that a
PBKDF2 hash is marked for upgrade to the first hasher. Needs no database.

    .venv/bin/python bench/login.py
    BENCH_LOGINS=5 .venv/bin/python bench/login.py

Exits non-zero if a verification gave the wrong answer. The last line reads
`login_ms=<Argon2id ms CPU per verify> pbkdf2_ms=<PBKDF2 ms> argon2/pbkdf2=<ratio>`
(target: login_ms ≤ 100).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.pop("PASSWORD_HASHERS", None)  # the settings' own list, first hasher first
LOGINS = int(os.environ.get("BENCH_LOGINS", "20"))
PASSWORD = "Demo@2025-张三"  # noqa: S105 - the password the bench hashes


def cpu_ms_per_verify(hasher, encoded: str) -> tuple[float, bool]:
    """Milliseconds of CPU per verify of the right password, and whether every
    verify said yes (and a wrong password no)."""
    correct = not hasher.verify(PASSWORD + "x", encoded)
    start = time.process_time()
    for _ in range(LOGINS):
        correct = hasher.verify(PASSWORD, encoded) and correct
    return (time.process_time() - start) * 1000 / LOGINS, correct


def main() -> int:
    import django

    django.setup()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, get_hashers

    first = get_hasher("default")
    old = PBKDF2PasswordHasher()
    print(f"first hasher: {type(first).__module__}.{type(first).__name__}")
    rows, ok = [], True
    for label, hasher in (("pbkdf2", old), ("argon2id", first)):
        encoded = hasher.encode(PASSWORD, hasher.salt())
        ms, correct = cpu_ms_per_verify(hasher, encoded)
        ok = ok and correct
        rows.append((label, ms, hasher, encoded))
        print(f"{label:9} {ms:8.1f} ms CPU per verify  ({LOGINS} verifies, correct={correct})")
    (_, pbkdf2_ms, _, _), (_, argon2_ms, _, argon2_hash) = rows
    print(f"argon2 hash: {argon2_hash.rsplit('$', 2)[0]}$…")
    upgrades = first.algorithm != old.algorithm and any(
        isinstance(h, PBKDF2PasswordHasher) for h in get_hashers()
    )
    if not upgrades:
        print("PBKDF2 hashes are not verified and upgraded by the hasher list", file=sys.stderr)
        ok = False
    if not ok:
        print("a verification gave the wrong answer", file=sys.stderr)
    print(
        f"login_ms={argon2_ms:.1f} pbkdf2_ms={pbkdf2_ms:.1f} "
        f"argon2/pbkdf2={argon2_ms / pbkdf2_ms:.3f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
