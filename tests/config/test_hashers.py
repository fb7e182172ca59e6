"""Passwords are hashed with Argon2id at OWASP's parameters; older hashes still sign in and are
rehashed when they do. (The suite itself hashes with MD5 for speed: these tests put the
production list back.)"""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import override_settings

from config import settings as production
from config.hashers import Argon2idHasher
from tests.factories import UserFactory
from tests.worlds.base import signed_in

ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        yield


def test_production_hashes_new_passwords_with_argon2id_first_and_still_reads_pbkdf2():
    assert production.PASSWORD_HASHERS[0] == "config.hashers.Argon2idHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


def test_it_makes_argon2id_hashes_at_owasps_parameters(production_hashers):
    encoded = make_password("correct horse battery")
    assert encoded.startswith(ARGON2ID_OWASP)
    assert isinstance(identify_hasher(encoded), Argon2idHasher)
    assert check_password("correct horse battery", encoded)
    assert not check_password("wrong horse battery", encoded)
    assert not Argon2idHasher().must_update(encoded)


def test_it_reads_djangos_own_argon2_hashes_and_asks_to_rehash_them(production_hashers):
    heavier = Argon2PasswordHasher().encode("correct horse battery", Argon2PasswordHasher().salt())
    assert check_password("correct horse battery", heavier)
    assert Argon2idHasher().must_update(heavier)


@pytest.mark.django_db
def test_it_signs_in_a_pbkdf2_user_and_rehashes_the_password_with_argon2id(production_hashers):
    user = UserFactory()
    user.password = make_password("an-old-password-1", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    signed_in(user, "an-old-password-1")
    user.refresh_from_db()
    assert user.password.startswith(ARGON2ID_OWASP)
    assert user.check_password("an-old-password-1")
