"""What the feedback app holds about a lead's person, for export and erasure
(``leads.services.privacy``): rating comments, the dispute's free text (also in its history)
and notes on objections heard. Ratings, tags, statuses and dates stay, so the reports count
as before."""

from typing import Any

from feedback.models import Dispute, LeadFeedback, ObjectionHeard

DISPUTE_TEXT_FIELDS = ("comment", "response_comment", "decision_reason")


def _objections(lead: Any) -> Any:
    deal_id = getattr(getattr(lead, "deal", None), "pk", None)
    heard = ObjectionHeard.objects.filter(lead=lead)
    if deal_id is not None:
        heard = heard | ObjectionHeard.objects.filter(deal_id=deal_id)
    return heard


def export(lead: Any) -> dict[str, Any]:
    dispute = Dispute.objects.filter(lead=lead).first()
    return {
        "ratings": [
            {"rating": f.rating, "comment": f.comment, "author": f.author_id, "at": f.created_at}
            for f in LeadFeedback.objects.filter(lead=lead).order_by("created_at", "id")
        ],
        "dispute": None
        if dispute is None
        else {"status": dispute.status, **{f: getattr(dispute, f) for f in DISPUTE_TEXT_FIELDS}},
        "objections_heard": [
            {"objection": h.objection_id, "note": h.note, "at": h.heard_at}
            for h in _objections(lead).order_by("heard_at", "id")
        ],
    }


def erase(lead: Any) -> None:
    LeadFeedback.objects.filter(lead=lead).exclude(comment="").update(comment="")
    blank = dict.fromkeys(DISPUTE_TEXT_FIELDS, "")
    Dispute.objects.filter(lead=lead).update(**blank)
    Dispute.history.filter(lead_id=lead.pk).update(**blank)  # type: ignore[attr-defined]
    _objections(lead).exclude(note="").update(note="")
