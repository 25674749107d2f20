"""Leads, every request and touch on them, their SLA escalations and the salespeople's
assignment profiles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from leads.models.definition import LeadDefinition
from leads.models.reference import Campaign, Channel, DisqualificationReason, WebForm
from org.inputs import validate_visible_text


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New (in the queue)")
        ASSIGNED = "assigned", _("Assigned")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.CONTACTED, Status.QUALIFIED)
    WAITING_STATUSES = (Status.NEW, Status.ASSIGNED)  # the SLA clock runs

    name = models.CharField(_("name"), max_length=200, validators=[validate_visible_text])
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    company = models.CharField(
        _("company"), max_length=200, blank=True, validators=[validate_visible_text]
    )
    need = models.TextField(_("need"), blank=True)
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    region = models.CharField(_("region"), max_length=50, blank=True)

    # channel, campaign and owner lead composite indexes (Meta.indexes), which serve their
    # lookups too: no single-column index of their own, one index less to write per change.
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("channel"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("campaign"),
        db_index=False,
    )
    form = models.ForeignKey(
        WebForm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("web form"),
    )
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    source = models.CharField(_("intake path"), max_length=10, blank=True)  # api, form, csv, admin

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
        db_index=False,  # lead_owner_status_idx starts with it
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_touch_at = models.DateTimeField(_("first touch"), null=True, blank=True)

    # SLA: one "queue entry" per time the lead (re-)enters the queue; escalations count per entry.
    queue_entry = models.PositiveIntegerField(default=1)
    queue_entered_at = models.DateTimeField(null=True, blank=True)
    sla_deadline = models.DateTimeField(_("SLA deadline"), null=True, blank=True)
    sla_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    # When the sweep must next look at this lead; NULL once there is nothing left to escalate.
    # A partial index on it keeps each sweep proportional to the leads that are due.
    sla_next_check_at = models.DateTimeField(null=True, blank=True)

    definition = models.ForeignKey(
        LeadDefinition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("checked against"),
    )
    qualification = models.JSONField(_("criteria met"), default=dict, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    disqualification_reason = models.ForeignKey(
        DisqualificationReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("disqualification reason"),
    )
    disqualification_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # converted or disqualified

    duplicate_requests = models.PositiveIntegerField(default=0)

    # Consent to the processing of personal data, as given through a web form.
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_text = models.TextField(_("consent text"), blank=True)
    # Erasure on the person's request (leads.privacy): the contact is gone, the record stays.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erasure_reason = models.CharField(_("erasure reason"), max_length=500, blank=True)

    # The chance to reach a deal (leads.scoring), set at intake and by each training's
    # rescoring of the open leads; four decimals, so report sums are exact.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=4, null=True, blank=True)
    score_model = models.ForeignKey(
        "leads.ScoringModel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by it; one index less to write per rescoring
        verbose_name=_("scored by"),
    )

    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "duplicate_requests",
            "sla_next_check_at",
            "score",  # a rescoring is not an edit of the lead
            "score_model",
        ],
        # History is read per lead (``id``) by date; an index on each copied reference was
        # eight more index entries for every history row intake, the claim and the sweep
        # write, and no query used them.
        no_db_index=[
            "campaign",
            "channel",
            "created_by",
            "definition",
            "disqualification_reason",
            "erased_by",
            "form",
            "owner",
        ],
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            # The arbiter of duplicates under concurrency: one open lead per contact.
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(status__in=["new", "assigned", "contacted", "qualified"])
                & ~Q(email=""),
                name="one_open_lead_per_email",
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(status__in=["new", "assigned", "contacted", "qualified"])
                & ~Q(phone=""),
                name="one_open_lead_per_phone",
            ),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | Q(erased_at__isnull=False),
                name="lead_has_a_contact",
            ),
        ]
        indexes = [
            # The lists' order (-created_at, -id): a page's ids are an index-only scan.
            models.Index(fields=["created_at", "id"], name="lead_created_idx"),
            models.Index(fields=["channel", "created_at"], name="lead_channel_created_idx"),
            models.Index(fields=["campaign", "created_at"], name="lead_campaign_created_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_status_idx"),
            # The claim: the unassigned queue, fresh before breached, earliest deadline first.
            models.Index(
                fields=["sla_breached", "sla_deadline", "id"],
                name="lead_queue_idx",
                condition=Q(status="new"),
            ),
            models.Index(
                fields=["sla_next_check_at"],
                name="lead_sla_due_idx",
                condition=Q(sla_next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class LeadRequest(models.Model):
    """Every intake request for a lead: the first one and each repeat from the same contact."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="requests")
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10)
    duplicate = models.BooleanField(default=False)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["lead", "received_at"], name="leadrequest_lead_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.received_at:%Y-%m-%d %H:%M}"


class Touch(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        MESSAGE = "message", _("Message")
        MEETING = "meeting", _("Meeting")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touches")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="touches"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [models.Index(fields=["lead", "at"], name="touch_lead_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """One SLA escalation. The unique constraint makes each level happen once per queue entry,
    whatever the number of overlapping sweeps or redelivered tasks."""

    class Action(models.TextChoices):
        NOTIFIED_HEADS = "notified_heads", _("Head of sales notified")
        RETURNED_TO_QUEUE = "returned_to_queue", _("Returned to the queue")
        NOTIFIED_MANAGEMENT = "notified_management", _("Management notified")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="escalations")
    queue_entry = models.PositiveIntegerField()
    level = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=30, choices=Action.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who held the lead when it escalated."),
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "queue_entry", "level"], name="one_escalation_per_entry_level"
            )
        ]
        indexes = [models.Index(fields=["at"], name="escalation_at_idx")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} entry {self.queue_entry} level {self.level}"


class SalesProfile(models.Model):
    """How a salesperson takes part in lead assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_profile"
    )
    auto_assign = models.BooleanField(_("receives round-robin leads"), default=True)
    segments = models.JSONField(
        _("segments"), default=list, blank=True, help_text=_("Empty: every segment.")
    )
    regions = models.JSONField(
        _("regions"), default=list, blank=True, help_text=_("Empty: every region.")
    )
    max_open_leads = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Most untouched leads the person may hold at once; empty means no limit."),
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sales profile")
        verbose_name_plural = _("sales profiles")

    def __str__(self) -> str:
        return str(self.user)

    def covers(self, *, segment: str, region: str) -> bool:
        return (not self.segments or segment in self.segments) and (
            not self.regions or region in self.regions
        )
