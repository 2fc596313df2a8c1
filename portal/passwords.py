"""Password hashing and validation.

Argon2idHasher is the portal's first password hasher (PASSWORD_HASHERS): Argon2id with
OWASP's parameters. Django's own Argon2 hasher asks for 100 MiB and 8 lanes per hash;
OWASP's password storage cheat sheet names 19 MiB, two passes and one lane as an
equivalent minimum, cheap enough that a login costs a few tens of milliseconds of CPU
instead of PBKDF2's half second (bench/login.py measures both). Older hashes (PBKDF2,
or Argon2 with other parameters) still verify, and Django rewrites them with this
hasher at the next successful login.

Django's minimum-length message changed wording in 5.x and its zh_Hans catalogue has
no translation for the new one, so users saw it in English; MinimumLengthValidator
says it in our own.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils.translation import gettext as _


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum: 19 MiB of memory (memory_cost in KiB), time cost
    2, parallelism 1. Same algorithm name ("argon2") and encoding as Django's hasher,
    so it verifies every Argon2 hash Django wrote and upgrades those with other
    parameters (must_update compares them); it replaces Django's Argon2 hasher in
    PASSWORD_HASHERS rather than standing beside it."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("This password is too short: it needs at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
