from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.csv_import import leads_import_csv
from org.models import User


class Command(BaseCommand):
    help = (
        "Import leads from a CSV file (UTF-8, header row). Every row is validated first; "
        "with any error nothing is imported and the per-row report is printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--as", dest="username", help="Record the import as this user.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        by = None
        if options["username"]:
            by = User.objects.filter(username=options["username"]).first()
            if by is None:
                raise CommandError(f"No user {options['username']!r}.")
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        with handle:
            report = leads_import_csv(file=handle, by=by)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"row {error.row}, {error.field}: {error.message}")
            raise CommandError(f"{len(report.errors)} problems; nothing was imported.")
        self.stdout.write(
            f"Imported {report.created} new leads; {report.duplicates} rows were repeats of "
            "open leads."
        )
