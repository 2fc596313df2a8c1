"""Logins hash with Argon2id (OWASP's parameters); a PBKDF2 hash from before is
rewritten with it at the next successful login."""

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest import PASSWORD
from tests.portal.test_login import LOGIN, logged_in_user_id

HASHERS = [
    "portal.passwords.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def argon2_parameters(encoded: str):
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2"
    return extract_parameters("$" + rest)


@pytest.mark.django_db
def test_a_pbkdf2_hash_becomes_argon2id_at_the_next_login(client, alice, settings):
    settings.PASSWORD_HASHERS = HASHERS
    # An old hash as the portal wrote them (fewer iterations here only to be quick:
    # the iterations are read from the hash).
    old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    alice.password = old
    alice.save(update_fields=["password"])

    client.post(LOGIN, {"username": alice.id_number, "password": PASSWORD})

    assert logged_in_user_id(client) == str(alice.pk)
    alice.refresh_from_db()
    assert alice.password != old
    parameters = argon2_parameters(alice.password)
    assert parameters.type == Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)

    client.logout()  # and the new hash lets her in again
    client.post(LOGIN, {"username": alice.id_number, "password": PASSWORD})
    assert logged_in_user_id(client) == str(alice.pk)


@pytest.mark.django_db
def test_a_wrong_password_leaves_the_old_hash_alone(client, alice, settings):
    settings.PASSWORD_HASHERS = HASHERS
    old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    alice.password = old
    alice.save(update_fields=["password"])

    client.post(LOGIN, {"username": alice.id_number, "password": "not-her-password"})

    assert logged_in_user_id(client) is None
    alice.refresh_from_db()
    assert alice.password == old
