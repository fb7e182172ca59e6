"""Settings for the test suite: the real settings, with a throwaway key and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *  # noqa: E402,F403 - the real settings, after the environment above

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405 - from the star import
WHITENOISE_AUTOREFRESH = True  # no collectstatic before tests
# The test client and the live server speak plain HTTP with DEBUG off; production's redirect to
# HTTPS would answer every request with a 301. tests/config/test_settings_https.py turns it back on.
SECURE_SSL_REDIRECT = False
# Admins sign in without a second factor in the general suite; the 2FA tests turn it on.
KAOPING_ADMIN_2FA = False
