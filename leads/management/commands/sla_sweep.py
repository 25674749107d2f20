from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leads.services import sla_sweep


def parse_clock(value: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is read in TIME_ZONE."""
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"--now must be an ISO 8601 date-time, got {value!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = "Run one SLA sweep (the same code as the periodic Celery task)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="The sweep's clock, ISO 8601 (e.g. 2026-11-22T10:05:00+03:00). Default: now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_clock(options["now"]) if options["now"] is not None else timezone.now()
        result = sla_sweep(now=now)
        self.stdout.write(
            f"SLA sweep at {now.isoformat()}: {result.level1} level-1 and "
            f"{result.level2} level-2 escalations."
        )
