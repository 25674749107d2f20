"""Disputes: "not a lead by our definition", answered by marketing, decided by a manager."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Dispute(models.Model):
    """Sales says a lead is "not a lead by our definition"; marketing answers; a manager
    decides. An upheld dispute marks the lead as not marketing's (for the KPI scorecard)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting marketing")
        ACCEPTED = "accepted", _("Accepted by marketing")
        CONTESTED = "contested", _("Contested by marketing")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    UNDECIDED = (Status.OPEN, Status.ACCEPTED, Status.CONTESTED)
    ANSWERED = (Status.ACCEPTED, Status.CONTESTED)
    DECIDED = (Status.UPHELD, Status.REJECTED)

    lead = models.OneToOneField(
        "leads.Lead",
        on_delete=models.CASCADE,
        related_name="dispute",
        verbose_name=_("lead"),
        help_text=_("One dispute per lead: a decision is final."),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    definition = models.ForeignKey(
        "leads.LeadDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("definition"),
    )
    unmet_criteria = models.JSONField(_("unmet criteria"), default=list)
    comment = models.TextField(_("sales' comment"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)

    response_comment = models.TextField(_("marketing's answer"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "contested", "upheld", "rejected"]),
                name="dispute_known_status",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["upheld", "rejected"]) | Q(decided_at__isnull=False),
                name="decided_dispute_has_decision",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_status_idx")]

    def __str__(self) -> str:
        return _("Dispute on lead %(lead)s") % {"lead": self.lead_id}

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED
