"""The agreed lead definition: versions, their criteria and the heads' approvals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LeadDefinition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("lead definition")
        verbose_name_plural = _("lead definitions")
        constraints = [
            # The database, not Python, guarantees there is never more than one active version.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_lead_definition"
            )
        ]

    def __str__(self) -> str:
        return _("Lead definition v%(version)s") % {"version": self.version}


class LeadCriterion(models.Model):
    definition = models.ForeignKey(
        LeadDefinition, on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["definition", "code"], name="criterion_code_unique")
        ]

    def __str__(self) -> str:
        return self.label


class LeadDefinitionApproval(models.Model):
    definition = models.ForeignKey(
        LeadDefinition, on_delete=models.CASCADE, related_name="approvals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "user"], name="one_approval_per_head")
        ]

    def __str__(self) -> str:
        return f"v{self.definition_id} by {self.user_id}"
