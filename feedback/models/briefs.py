"""Briefs: written orders from sales or management to marketing as an internal agency."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Brief(models.Model):
    """A written order from sales or management (the client) to marketing (the agency)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned with comments")

    # Marketing still owes work on these; past the due date they are overdue.
    PENDING = (Status.DRAFT, Status.APPROVED, Status.IN_PROGRESS, Status.RETURNED)

    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"))
    requirements = models.TextField(_("requirements"), blank=True)
    due_on = models.DateField(_("due"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="briefs",
        verbose_name=_("requester"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    marketing_warning = models.TextField(
        _("marketing's warning"),
        blank=True,
        help_text=_("Risks marketing sees before approval; the approving manager must answer."),
    )
    warned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warned by"),
    )
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    risks = models.TextField(_("risks accepted on approval"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marketer"),
    )
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "approved",
                        "in_progress",
                        "delivered",
                        "accepted",
                        "returned",
                    ]
                ),
                name="brief_known_status",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="brief_status_due_idx"),
            models.Index(fields=["requester", "status"], name="brief_requester_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def response_seconds(self) -> float | None:
        """Marketing's response time: from the manager's approval to the start of work."""
        if self.approved_at is None or self.started_at is None:
            return None
        return (self.started_at - self.approved_at).total_seconds()


class BriefEvent(models.Model):
    """One step of a brief's life, with the comment given (e.g. why it was returned)."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=12, blank=True, choices=Brief.Status.choices
    )
    to_status = models.CharField(_("to"), max_length=12, choices=Brief.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("brief event")
        verbose_name_plural = _("brief events")

    def __str__(self) -> str:
        return f"{self.brief_id}: {self.from_status} → {self.to_status}"
