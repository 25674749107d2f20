"""Lead intake: one service behind the API, the public web form, CSV import and the admin."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from leads.models import Campaign, Channel, Lead, LeadRequest, WebForm
from leads.services.queue import route_new_lead
from org.models import User

DEDUP_CONSTRAINTS = ("one_open_lead_per_email", "one_open_lead_per_phone")
CONTACT_FIELDS = ("name", "email", "phone", "company", "need", "segment", "region")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class Source:
    API = "api"
    FORM = "form"
    CSV = "csv"
    ADMIN = "admin"


@dataclass(frozen=True)
class LeadInput:
    """Validated, normalised intake data (see ``leads.inputs.LeadInputSerializer``)."""

    name: str
    channel: Channel
    email: str = ""
    phone: str = ""
    company: str = ""
    need: str = ""
    segment: str = ""
    region: str = ""
    campaign: Campaign | None = None
    form: WebForm | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""

    def payload(self) -> dict[str, Any]:
        """What the request carried, as stored on the lead's request log."""
        data: dict[str, Any] = {
            f: getattr(self, f) for f in (*CONTACT_FIELDS, *UTM_FIELDS) if getattr(self, f)
        }
        data["channel"] = self.channel.slug
        if self.campaign:
            data["campaign"] = self.campaign.slug
        if self.form:
            data["form"] = self.form.slug
        return data


@dataclass(frozen=True)
class IntakeResult:
    lead: Lead
    duplicate: bool


def open_duplicate_of(*, email: str, phone: str) -> Lead | None:
    """The open lead that already holds this e-mail or phone (e-mail match first)."""
    match = Q(pk__in=[])
    if email:
        match |= Q(email=email)
    if phone:
        match |= Q(phone=phone)
    candidates = list(Lead.objects.filter(match, status__in=Lead.OPEN_STATUSES)[:2])
    for lead in candidates:
        if email and lead.email == email:
            return lead
    return candidates[0] if candidates else None


def _record_repeat(*, lead: Lead, data: LeadInput, source: str, now: datetime) -> Lead:
    LeadRequest.objects.create(
        lead=lead, received_at=now, source=source, duplicate=True, payload=data.payload()
    )
    Lead.objects.filter(pk=lead.pk).update(duplicate_requests=F("duplicate_requests") + 1)
    lead.refresh_from_db()
    return lead


def _is_dedup_violation(exc: IntegrityError) -> bool:
    text = str(exc)
    return any(name in text for name in DEDUP_CONSTRAINTS) or (
        # SQLite names the columns, not the constraint.
        "UNIQUE constraint failed: leads_lead." in text
    )


def lead_intake(
    *,
    data: LeadInput,
    source: str,
    by: User | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Create a lead, or record the request on the contact's open lead.

    The partial unique constraints on e-mail and phone decide races: when two requests for
    the same new contact arrive together, one INSERT wins and the other fails with an
    IntegrityError, finds the winner and records itself on it as a repeat.
    """
    now = now or timezone.now()
    for _attempt in range(3):
        existing = open_duplicate_of(email=data.email, phone=data.phone)
        if existing is not None:
            with transaction.atomic():
                return IntakeResult(
                    _record_repeat(lead=existing, data=data, source=source, now=now), True
                )
        try:
            with transaction.atomic():
                lead = Lead(
                    **{f: getattr(data, f) for f in (*CONTACT_FIELDS, *UTM_FIELDS)},
                    channel=data.channel,
                    campaign=data.campaign,
                    form=data.form,
                    source=source,
                    created_by=by,
                    created_at=now,
                )
                reason = route_new_lead(lead=lead, now=now)
                lead._change_reason = f"intake ({source}); {reason}"  # type: ignore[attr-defined]
                lead._history_user = by  # type: ignore[attr-defined]
                lead.save()
                LeadRequest.objects.create(
                    lead=lead, received_at=now, source=source, payload=data.payload()
                )
                return IntakeResult(lead, False)
        except IntegrityError as exc:
            if not _is_dedup_violation(exc):
                raise
            # Another request created the open lead first; loop to find it.
    raise RuntimeError("lead intake could not settle a duplicate race after 3 attempts")
