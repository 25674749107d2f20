from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load realistic demo data and demo users (idempotent). Each app contributes its part "
        "through a demo.seed() function, in INSTALLED_APPS order, then demo.finish() where "
        "an app has one. Demo data goes only into a "
        "database that holds none yet: on one with data (a pilot with real leads, or an "
        "earlier run) only the demo users are checked. Refused when DEBUG is off."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with published passwords; it runs only with "
                "DJANGO_DEBUG=1."
            )
        modules = []
        for config in apps.get_app_configs():
            try:
                modules.append((config, import_module(f"{config.name}.demo")))
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
        # One transaction: a run that fails leaves nothing half-seeded for the next to skip.
        with transaction.atomic():
            # A data module says whether its data is present (``holds_data``); if any is, the
            # demo never adds to or changes that data, whoever made it.
            present = [c.label for c, m in modules if getattr(m, "holds_data", lambda: False)()]
            for config, module in modules:
                if present and hasattr(module, "holds_data"):
                    self.stdout.write(
                        f"{config.label}: the database already holds data "
                        f"({', '.join(present)}); no demo data added"
                    )
                    continue
                self.stdout.write(f"{config.label}: {module.seed()}")
            # Then what needs every app's data (e.g. the lead scoring model learns from the
            # deals the deals app made of the leads): ``finish()``, same order, same rule.
            for config, module in modules:
                if not present and hasattr(module, "finish"):
                    self.stdout.write(f"{config.label}: {module.finish()}")
