from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load realistic demo data and demo users (idempotent). Each app contributes its part "
        "through a demo.seed() function, in INSTALLED_APPS order. Refused when DEBUG is off."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with published passwords; it runs only with "
                "DJANGO_DEBUG=1."
            )
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                summary = module.seed()
            self.stdout.write(f"{config.label}: {summary}")
