"""CSV import: every row is validated first; then all rows are imported, or none are."""

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from leads.inputs import LeadInputSerializer  # validation shared with the API
from leads.models import Campaign, Channel
from leads.services.intake import BATCH_SIZE, Source, lead_intake_many
from org.models import User

REQUIRED_COLUMNS = ("name", "channel")
KNOWN_COLUMNS = (
    "name",
    "email",
    "phone",
    "company",
    "need",
    "segment",
    "region",
    "channel",
    "campaign",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(raw: bytes, report: ImportReport) -> str | None:
    if len(raw) > MAX_BYTES:
        report.errors.append(RowError(0, "file", _("The file is larger than 20 MB.")))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.errors.append(
            RowError(
                0,
                "file",
                _("The file is not UTF-8 text (byte %(pos)d); save it as CSV UTF-8.")
                % {"pos": exc.start},
            )
        )
        return None


def _reader(text: str) -> csv.DictReader:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def _check_header(columns: list[str], report: ImportReport) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.errors.append(
            RowError(1, "header", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
        )
    if "email" not in columns and "phone" not in columns:
        report.errors.append(RowError(1, "header", _("An email or a phone column is needed.")))
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if unknown:
        report.errors.append(
            RowError(1, "header", _("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
        )
    if len(set(columns)) != len(columns):
        report.errors.append(RowError(1, "header", _("A column name appears twice.")))
    return report.ok


def leads_import_csv(*, file: IO[bytes], by: User | None) -> ImportReport:
    """Import leads from a CSV file (UTF-8, comma or semicolon separated, header row).

    Returns the report; when it has errors nothing was imported.
    """
    report = ImportReport()
    text = _decode(file.read(MAX_BYTES + 1), report)
    if text is None:
        return report
    if "\x00" in text:
        report.errors.append(RowError(0, "file", _("The file contains NUL bytes.")))
        return report
    reader = _reader(text)
    columns = [(c or "").strip().lower() for c in (reader.fieldnames or [])]
    if not columns:
        report.errors.append(RowError(1, "header", _("The file is empty.")))
        return report
    if not _check_header(columns, report):
        return report
    reader.fieldnames = columns
    context = {
        "channels": {c.slug: c for c in Channel.objects.filter(is_active=True)},
        "campaigns": {c.slug: c for c in Campaign.objects.all()},
    }
    valid = []
    try:
        for number, row in enumerate(reader, start=2):
            if number - 1 > settings.CSV_IMPORT_MAX_ROWS:
                report.errors.append(
                    RowError(
                        number,
                        "file",
                        _("More than %(max)d rows; split the file.")
                        % {"max": settings.CSV_IMPORT_MAX_ROWS},
                    )
                )
                break
            if None in row:  # more cells than header columns
                report.errors.append(RowError(number, "row", _("More cells than columns.")))
                continue
            values = {k: (v or "").strip() for k, v in row.items()}
            if not any(values.values()):
                continue  # blank line
            report.rows += 1
            serializer = LeadInputSerializer(data=values, context=context)
            if serializer.is_valid():
                valid.append(serializer.to_lead_input())
                continue
            for name, messages in serializer.errors.items():
                for message in messages:
                    report.errors.append(RowError(number, name, str(message)))
    except csv.Error as exc:
        report.errors.append(RowError(reader.line_num, "file", str(exc)))
    if not report.ok:
        return report
    if not valid:
        report.errors.append(RowError(0, "file", _("The file has no lead rows.")))
        return report
    with transaction.atomic():  # all rows or none
        # The batch intake path, in chunks of the API's batch size: each row judged as a
        # single intake would judge it, in file order, at a fixed number of statements a chunk.
        for start in range(0, len(valid), BATCH_SIZE):
            chunk = valid[start : start + BATCH_SIZE]
            for result in lead_intake_many(items=chunk, source=Source.CSV, by=by):
                if result.duplicate:
                    report.duplicates += 1
                else:
                    report.created += 1
    return report
