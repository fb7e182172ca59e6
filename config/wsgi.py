"""WSGI entry point for gunicorn: `gunicorn config.wsgi`."""

import os

from config.bootstrap import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
load_settings_or_exit()

from django.core.wsgi import get_wsgi_application  # noqa: E402 - only once the settings are known to load

application = get_wsgi_application()
