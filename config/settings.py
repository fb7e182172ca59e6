"""Kaoping settings. Everything that differs between machines comes from the environment."""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.env_bool("DEBUG", default=False)
SECRET_KEY = env.secret_key(DEBUG)
ALLOWED_HOSTS = env.allowed_hosts(DEBUG)
CSRF_TRUSTED_ORIGINS = env.env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "treebeard",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "indicators",
    "orgs",
    "assessments",
    "reports",
    "demo",
    "common",
    "common.jobs",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "common.uploads.RequestSizeLimitMiddleware",  # before anything can read the body; its 413 gets the headers above
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "common.idle.IdleTimeoutMiddleware",  # after messages: it tells the signed-out user why
    "orgs.account_gate.AccountGateMiddleware",  # two-factor step, then a required password change
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orgs.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.database(BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id first (config/hashers.py: a sign-in costs ≈ 18 ms of CPU, not PBKDF2's ≈ 0.2–0.5 s);
# the PBKDF2 and scrypt hashers stay so that existing hashes still sign in, and are rehashed
# with Argon2id when they do.
PASSWORD_HASHERS = [
    "config.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "orgs.backends.RolePermissionBackend",
]
# Login throttling (common/login_throttle.py): 5 failures of one username from one address lock
# that pair; 20 failures from one address over all usernames (password spraying) lock the address.
AXES_FAILURE_LIMIT = env.env_int("AXES_FAILURE_LIMIT", 5)
KAOPING_ADDRESS_FAILURE_LIMIT = env.env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env.env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]
AXES_HANDLER = "common.login_throttle.ThrottleHandler"
AXES_RESET_ON_SUCCESS = True
# Retries while locked do not push the end back, so the minutes the lockout page gives hold.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "common.login_throttle.lockout_response"
# Behind AXES_PROXY_COUNT proxies the client is read from X-Forwarded-For; with none declared the
# header is ignored, so it cannot be forged to dodge the throttle or to lock someone else out.
AXES_CLIENT_IP_CALLABLE = "common.login_throttle.client_ip"
AXES_IPWARE_PROXY_COUNT = env.env_int("AXES_PROXY_COUNT", 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# --- Accounts (issue 10.6) ---------------------------------------------------------------------------
# A session unused for KAOPING_IDLE_MINUTES ends (common/idle.py; 0 turns it off). The cookie lives a
# working day longer than that only so that whoever comes back is told why they must sign in again;
# the server-side check is what ends the session.
KAOPING_IDLE_MINUTES = env.env_int("IDLE_MINUTES", 120)
SESSION_COOKIE_AGE = (KAOPING_IDLE_MINUTES * 60 + 8 * 3600) if KAOPING_IDLE_MINUTES > 0 else 14 * 24 * 3600
# Admins sign in with a TOTP code as well (orgs/account_gate.py). On in production; under DEBUG off
# unless ADMIN_2FA=1, which is the only way the demo admin signs in without a code.
KAOPING_ADMIN_2FA = env.env_bool("ADMIN_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Kaoping"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("简体中文")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # MEDIA_ROOT, or with S3_BUCKET (and its keys) an S3-compatible store shared by every machine.
    "default": env.default_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
MEDIA_ROOT = env.env_path("MEDIA_ROOT", BASE_DIR / "var" / "media")
MEDIA_URL = "media/"

# Background work (common/jobs): the database backend by default, RQ on Redis with TASKS_BACKEND=rq.
TASKS_BACKEND = env.tasks_backend()
TASKS = env.tasks(TASKS_BACKEND)
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = env.rq_queues()
# A chunk's worker renews its lease while it works; one that stops renewing (killed, machine
# gone) loses the chunk to another worker this many seconds after its last renewal.
JOB_LEASE_SECONDS = env.env_int("JOB_LEASE_SECONDS", 120)
JOB_SWEEP_SECONDS = env.env_int("JOB_SWEEP_SECONDS", 60)
# A queued chunk whose task was lost (a flushed Redis) is sent again after this long.
JOB_REQUEUE_SECONDS = env.env_int("JOB_REQUEUE_SECONDS", 3600)
JOB_MAX_ATTEMPTS = env.env_int("JOB_MAX_ATTEMPTS", 5)
# Finished jobs, and their files, are removed after this many days.
JOB_FILES_DAYS = env.env_int("JOB_FILES_DAYS", 7)
# Sheets per chunk of a batch print, and the largest print also given as one merged PDF.
PRINT_CHUNK_SHEETS = env.env_int("PRINT_CHUNK_SHEETS", 100)
PRINT_MERGE_SHEETS = env.env_int("PRINT_MERGE_SHEETS", 200)
# Rows above which a ranking workbook, or a tree or score import, runs as a job.
EXPORT_TASK_ROWS = env.env_int("EXPORT_TASK_ROWS", 2000)
IMPORT_TASK_ROWS = env.env_int("IMPORT_TASK_ROWS", 300)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The app runs behind a reverse proxy that terminates TLS in production.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# --- HTTPS and cookies in production (issue 10.5): `check --deploy` prints no warning ---------------
# Django redirects to HTTPS and sends HSTS itself unless told otherwise, so a proxy configured
# without them cannot leave the site on plain HTTP. Behind the README's nginx the redirect costs
# nothing: the proxy says X-Forwarded-Proto: https, which SECURE_PROXY_SSL_HEADER trusts.
SECURE_SSL_REDIRECT = env.ssl_redirect(DEBUG)
SECURE_HSTS_SECONDS = env.hsts_seconds(DEBUG)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS: list[str] = []
if not SECURE_HSTS_PRELOAD:
    # W021 asks for the preload directive. Preloading is the domain owner's decision, hard to undo
    # and covering every subdomain of the registered domain (often a whole government .cn
    # domain); with the directive sent, anyone may submit the domain. Off unless chosen.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if env.env_bool("PROXY_REDIRECTS_HTTPS", default=False):
    # W008 asks for SECURE_SSL_REDIRECT; the operator has declared the proxy does the redirect.
    SILENCED_SYSTEM_CHECKS.append("security.W008")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server's locale middleware only, never by scripts
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Bounded uploads (issue 10, point 1). A body declared larger than KAOPING_MAX_REQUEST_BYTES is
# refused unread (common.uploads); it sits just above the largest legitimate upload, an evidence
# file (KAOPING_EVIDENCE_MAX_BYTES, 20 MB) with its form. Files above FILE_UPLOAD_MAX_MEMORY_SIZE
# go to a temporary file; the score form has about 200 fields.
KAOPING_EVIDENCE_MAX_BYTES = env.env_int("KAOPING_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
KAOPING_MAX_REQUEST_BYTES = env.env_int("KAOPING_MAX_REQUEST_BYTES", KAOPING_EVIDENCE_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# CSP and response headers
# No inline script or style: the only inline element is a chart's own <style>, allowed by nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF], "script-src": [SELF], "style-src": [SELF, NONCE], "img-src": [SELF, "data:"],
        "object-src": [NONE], "base-uri": [SELF], "frame-ancestors": [NONE], "form-action": [SELF],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {feature: [] for feature in (
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "encrypted-media",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi", "payment",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
)}
# The scripts read the CSRF token from the form, never from the cookie, so no script needs any cookie.
# (SameSite and Secure for the session, CSRF and language cookies are set in the HTTPS block above.)
CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
