"""Personal data held about a lead's person (152-FZ, the GDPR; API.md, Leads).

- ``lead_personal_data(lead)``: everything held about the person, for a subject-access request.
- ``lead_erase(lead, by, reason)``: the person's data erased for good — the lead's contact
  fields, the same fields in every history row, the request log's copies, touch notes and what
  other apps registered — while status, dates, attribution, the deal and money stay, so every
  report counts as before. The erasure itself is audited (who, when, why) without the data. An
  erased lead has no e-mail or phone left, so it matches no later intake.
- ``erase_expired(now)``: the retention rule (``PII_RETENTION_DAYS``, off by default): the
  personal data of leads disqualified longer ago than that is erased (Celery beat, hourly,
  a batch at a time).

``leads`` imports none of deals/feedback/kpi: those apps add what they hold about a lead with
``register_personal_data`` in their ``AppConfig.ready``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leads.models import Lead, LeadRequest
from org.models import Notification, User

ERASED_NAME = "—"  # what an erased lead is called (the name column may not be empty in pages)
# The lead's own personal fields: blanked on the lead, in its history and in request payloads.
LEAD_PERSONAL_FIELDS = ("name", "email", "phone", "company", "need", "disqualification_note")
ERASE_REASON_MAX = 500
RETENTION_BATCH = 500  # leads erased per retention run at most (the next run takes the rest)


@dataclass(frozen=True)
class PersonalDataPart:
    """What another app holds about a lead's person: how to export it and how to erase it."""

    name: str
    export: Callable[[Lead], Any]
    erase: Callable[[Lead], None]


_parts: dict[str, PersonalDataPart] = {}


def register_personal_data(
    name: str, *, export: Callable[[Lead], Any], erase: Callable[[Lead], None]
) -> None:
    """Add an app's part (called from its ``AppConfig.ready``; registering twice replaces)."""
    _parts[name] = PersonalDataPart(name, export, erase)


def _blank() -> dict[str, str]:
    return {f: (ERASED_NAME if f == "name" else "") for f in LEAD_PERSONAL_FIELDS}


def lead_personal_data(*, lead: Lead) -> dict[str, Any]:
    """Everything held about the lead's person, as plain JSON-ready data."""
    fields = (
        *LEAD_PERSONAL_FIELDS,
        "segment",
        "region",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "status",
        "created_at",
        "consent_at",
        "consent_text",
        "erased_at",
    )
    data: dict[str, Any] = {
        "lead": {
            "id": lead.pk,
            **{f: getattr(lead, f) for f in fields},
            "channel": lead.channel.slug,
            "campaign": lead.campaign.slug if lead.campaign_id else None,  # type: ignore[union-attr]
            "form": lead.form.slug if lead.form_id else None,  # type: ignore[union-attr]
            "owner": lead.owner_id,
        },
        "requests": [
            {"received_at": r.received_at, "source": r.source, "payload": r.payload}
            for r in lead.requests.order_by("received_at", "id")
        ],
        "touches": [
            {"kind": t.kind, "note": t.note, "at": t.at, "by": t.by_id}
            for t in lead.touches.order_by("at", "id")
        ],
        "history": [
            {
                "at": h.history_date,
                "change": h.history_change_reason or "",
                **{f: getattr(h, f) for f in LEAD_PERSONAL_FIELDS},
            }
            for h in Lead.history.filter(id=lead.pk).order_by("history_date", "history_id")  # type: ignore[attr-defined]
        ],
        "other_leads": sorted(_same_contact(lead).values_list("pk", flat=True)),
    }
    for part in _parts.values():
        data[part.name] = part.export(lead)
    return data


def _same_contact(lead: Lead) -> Any:
    """Other leads of the same person (same normalised e-mail or phone)."""
    match = Q(pk__in=[])
    if lead.email:
        match |= Q(email=lead.email)
    if lead.phone:
        match |= Q(phone=lead.phone)
    return Lead.objects.filter(match).exclude(pk=lead.pk)


def _erase_in_notifications(name: str) -> None:
    """In-app messages quote the lead's name ("SLA breached: <name> ..."): take it out."""
    if not name or name == ERASED_NAME:
        return
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    changed = []
    for note in Notification.objects.filter(Q(subject__contains=name) | Q(body__contains=name)):
        subject, body = pattern.sub(ERASED_NAME, note.subject), pattern.sub(ERASED_NAME, note.body)
        if (subject, body) != (note.subject, note.body):
            note.subject, note.body = subject, body
            changed.append(note)
    Notification.objects.bulk_update(changed, ["subject", "body"])


@transaction.atomic
def lead_erase(*, lead: Lead, by: User | None, reason: str, now: datetime | None = None) -> Lead:
    """Erase the person's data for good (see the module docstring). Erasing an erased lead
    changes nothing."""
    now = now or timezone.now()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("channel").get(pk=lead.pk)
    if lead.erased_at is not None:
        return lead
    _erase_in_notifications(lead.name)
    blank = _blank()
    Lead.history.filter(id=lead.pk).update(**blank)  # type: ignore[attr-defined]
    requests = list(lead.requests.all())
    for request in requests:
        request.payload = {k: v for k, v in request.payload.items() if k not in blank}
    LeadRequest.objects.bulk_update(requests, ["payload"])
    lead.touches.exclude(note="").update(note="")
    for part in _parts.values():
        part.erase(lead)
    for field, value in blank.items():
        setattr(lead, field, value)
    lead.erased_at = now
    lead.erased_by = by
    lead.erasure_reason = reason[:ERASE_REASON_MAX]
    # The score goes too: it was profiling of the person, and a rescoring would compute it
    # from the blanked fields ("no e-mail", "no company"). Erased leads are neither trained on
    # nor rescored (leads.scoring.training).
    lead.score = None
    lead.score_model = None
    # The audit: a history row saying who erased when and why, holding no personal data.
    lead._change_reason = "personal data erased"  # type: ignore[attr-defined]
    lead._history_user = by  # type: ignore[attr-defined]
    lead.save(
        update_fields=[
            *blank,
            "erased_at",
            "erased_by",
            "erasure_reason",
            "score",
            "score_model",
            "updated_at",
        ]
    )
    return lead


def erase_expired(*, now: datetime | None = None) -> int:
    """Erase the personal data of leads disqualified more than ``PII_RETENTION_DAYS`` days ago
    (nothing when the setting is 0, the default). Returns how many leads were erased; safe to
    run twice or overlapping (each erasure locks its lead and skips an erased one)."""
    days = settings.PII_RETENTION_DAYS
    if not days:
        return 0
    now = now or timezone.now()
    due = Lead.objects.filter(
        status=Lead.Status.DISQUALIFIED,
        erased_at__isnull=True,
        closed_at__lt=now - timedelta(days=days),
    ).order_by("closed_at", "id")[:RETENTION_BATCH]
    reason = f"retention: disqualified more than {days} days ago"
    erased = 0
    for lead in due:
        lead_erase(lead=lead, by=None, reason=reason, now=now)
        erased += 1
    return erased
