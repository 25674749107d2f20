"""The project's WSGI application with ``bench.urls`` as its URLconf: the server the intake
scenario starts serves every project URL plus the framework floor, ``POST /bench/floor/``."""

from django.conf import settings

from config.wsgi import application

settings.ROOT_URLCONF = "bench.urls"  # read on every request, so this takes effect at once

__all__ = ["application"]
