"""CSV import: every row is validated first; then all rows are imported, or none are.

One service (``leads_import_csv``) for the page, the admin, the command and the Celery job.
A file of more than ``INLINE_ROWS`` rows is not imported during the web request (a worker
timeout would kill it): ``leads_import_upload`` stores it as an ``ImportJob`` and a worker
runs the same service on it (``import_job_run``), reporting its progress on the job.
"""

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.inputs import LeadInputSerializer, name_maps  # validation shared with the API
from leads.models import ImportJob
from leads.services.intake import BATCH_SIZE, Source, lead_intake_many
from org.models import User

logger = logging.getLogger(__name__)

# Files up to this many rows are imported during the request; larger ones by a worker.
INLINE_ROWS = 1000
# How often (in rows) the job's progress is written while its rows are checked.
PROGRESS_EVERY = 250
# A job still running after this long lost its worker (it imports in minutes at most).
STALE_AFTER = timedelta(hours=2)
# A queued job no worker took this long after upload lost its message: sent again.
REQUEUE_AFTER = timedelta(minutes=2)

Progress = Callable[[int, int], None]  # (rows checked, rows in the file)

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


def leads_import_csv(
    *, file: IO[bytes], by: User | None, progress: Progress | None = None
) -> ImportReport:
    """Import leads from a CSV file (UTF-8, comma or semicolon separated, header row).

    Returns the report; when it has errors nothing was imported. ``progress`` is told every
    ``PROGRESS_EVERY`` rows checked (the rows in the file are counted by lines, so a cell with
    a line break makes the estimate high).
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
    context = name_maps()
    valid = []
    estimate = max(text.count("\n") - 1 + (not text.endswith("\n")), 0)
    try:
        for number, row in enumerate(reader, start=2):
            if progress is not None and (number - 1) % PROGRESS_EVERY == 0:
                progress(number - 1, max(estimate, number - 1))
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


# --- Large files: a Celery job -------------------------------------------------------------


def _rows_in(raw: bytes) -> int:
    """Data rows by line count (cheap; exact unless cells hold line breaks)."""
    return max(raw.count(b"\n") - 1 + (not raw.endswith(b"\n")), 0)


def leads_import_upload(*, file: IO[bytes], by: User | None) -> ImportReport | ImportJob:
    """The page's and the admin's import: a file of up to ``INLINE_ROWS`` rows is imported
    now (the report); a larger one becomes a job a worker imports (the job, to follow)."""
    raw = file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES or _rows_in(raw) <= INLINE_ROWS:
        return leads_import_csv(file=io.BytesIO(raw), by=by)
    return import_job_create(raw=raw, filename=getattr(file, "name", "") or "", by=by)


def import_job_create(*, raw: bytes, filename: str, by: User | None) -> ImportJob:
    from config.celery import enqueue_on_commit
    from leads.tasks import import_job_run as run

    if len(raw) > MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 20 MB.")]})
    job = ImportJob.objects.create(
        created_by=by, filename=filename[:255], data=raw, total=_rows_in(raw)
    )
    enqueue_on_commit(run, job.pk)
    return job


def import_job_run(*, job_id: int, now: datetime | None = None) -> ImportJob | None:
    """Import a queued job's file (a worker). Safe to run twice: the job is claimed with a
    conditional update, so one run imports it; a second finds it taken and does nothing."""
    now = now or timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)

    def progress(checked: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(checked=checked, total=total)

    try:
        report = leads_import_csv(
            file=io.BytesIO(bytes(job.data)), by=job.created_by, progress=progress
        )
    except Exception:
        logger.exception("CSV import job %s failed", job_id)
        report = ImportReport(
            errors=[
                RowError(
                    0, "file", _("The import stopped on an unexpected error; nothing was imported.")
                )
            ]
        )
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED,
        total=report.rows,
        checked=report.rows,
        created=report.created,
        duplicates=report.duplicates,
        errors=[asdict(error) for error in report.errors],
        data=b"",
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def import_jobs_sweep(*, now: datetime | None = None) -> int:
    """Celery beat: send again the jobs whose message was lost (broker down at upload), and
    close the jobs whose worker died (nothing of theirs was imported: all or nothing)."""
    from leads.tasks import import_job_run as run

    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(
        status=ImportJob.Status.FAILED,
        errors=[
            asdict(
                RowError(
                    0,
                    "file",
                    _(
                        "The worker stopped before finishing; nothing was imported. "
                        "Upload the file again."
                    ),
                )
            )
        ],
        data=b"",
        finished_at=now,
    )
    lost = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.QUEUED, created_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in lost:
        run.delay(pk)
    return stale + len(lost)
