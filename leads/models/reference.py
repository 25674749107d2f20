"""Reference data: channels, campaigns, web forms and disqualification reasons."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AssignmentMode(models.TextChoices):
    QUEUE = "queue", _("Wait in the queue")
    ROUND_ROBIN = "round_robin", _("Assign round-robin")


class Channel(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    assignment = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentMode.choices, default=AssignmentMode.QUEUE
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("channel")
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("owner (marketer)"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="campaign_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


DEFAULT_CONSENT_TEXT = _(
    "I consent to the processing of my personal data for the purpose of answering my request."
)


class WebForm(models.Model):
    """A public web-to-lead form: it supplies the attribution and which contacts it requires."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="forms", verbose_name=_("channel")
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forms",
        verbose_name=_("campaign"),
    )
    require_email = models.BooleanField(_("e-mail required"), default=False)
    require_phone = models.BooleanField(_("phone required"), default=False)
    # 152-FZ and the GDPR: a web form asks the visitor to consent to the processing of personal
    # data; the lead keeps when consent was given and to which text (API.md, web-forms).
    require_consent = models.BooleanField(_("consent required"), default=True)
    consent_text = models.TextField(
        _("consent text"),
        blank=True,
        help_text=_("What the visitor agrees to; empty: the standard text."),
    )
    assignment = models.CharField(
        _("assignment"),
        max_length=20,
        choices=AssignmentMode.choices,
        blank=True,
        help_text=_("Empty: as the channel says."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def consent_wording(self) -> str:
        """The text a visitor consents to through this form, as the lead keeps it."""
        return self.consent_text or str(DEFAULT_CONSENT_TEXT)


class DisqualificationReason(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("disqualification reason")
        verbose_name_plural = _("disqualification reasons")

    def __str__(self) -> str:
        return self.label
