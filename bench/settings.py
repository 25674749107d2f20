"""Benchmark settings: production-like (DEBUG off) on the DATABASE_URL the bench was given.

The harness and the gunicorn server it starts both use this module, so the code under test
runs exactly as in production except for what would reach outside the machine: e-mail goes
nowhere and Celery publishes to an in-process broker, so no worker anywhere (for example a
developer's ``make run``) picks up thousands of bench notifications.
"""

import os

# Forced, not defaulted: a developer shell may export DJANGO_DEBUG=1 or production security
# settings, and an HTTPS redirect would turn every bench request into a 301.
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
os.environ["DJANGO_SECURE_HSTS_SECONDS"] = "0"
os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "B3nch-s3cr3t-K3y-" * 4)
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
CELERY_BROKER_URL = "memory://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS = {}  # the memory transport takes none
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The API under test serves no static files; skip the manifest that collectstatic would build.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
