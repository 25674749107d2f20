from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.inputs import validate_username, validate_visible_text


class Role(models.TextChoices):
    """A department. Each user belongs to one; the same names are the permission groups."""

    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    MANAGEMENT = "management", _("Management")


class User(AbstractUser):
    # Usernames are NFKC-normalised (AbstractBaseUser.clean, org.services.user_create) and
    # may not mix alphabets; names must show something (org/inputs.py).
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[UnicodeUsernameValidator(), validate_username],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[validate_visible_text]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[validate_visible_text]
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    is_head = models.BooleanField(
        _("department head"),
        default=False,
        help_text=_("Heads approve the lead definition and receive SLA escalations."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_(
            "The language this person last used Tandem in; messages written for them later "
            "(notifications and their e-mails) use it. Empty: the site's language."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role", "is_active"], name="user_role_active_idx")]

    @property
    def effective_role(self) -> str:
        """The role the system acts on: a superuser acts as management."""
        if self.is_superuser:
            return Role.MANAGEMENT
        return self.role

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.effective_role in roles

    @property
    def preferred_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE

    @property
    def is_manager(self) -> bool:
        return self.has_role(Role.MANAGEMENT)

    @property
    def is_sales_head(self) -> bool:
        """A head of sales sees and reassigns the whole team's leads and deals."""
        return self.is_head and self.is_active and self.role == Role.SALES

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Notification(models.Model):
    """An in-app message; the e-mail copy is sent by a task and marked with ``emailed_at``."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    send_email = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(
                fields=["created_at"],
                name="notification_unsent_idx",
                condition=models.Q(send_email=True, emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


# --- The responsibility matrix ----------------------------------------------------------------


class Raci(models.TextChoices):
    """A department's part in a funnel stage."""

    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


# The letters that make a department an owner of a stage: it may move a deal into it.
OWNING_LETTERS = frozenset({Raci.RESPONSIBLE, Raci.ACCOUNTABLE})


class FunnelStage(models.Model):
    """One step of the funnel, from audience analysis to repeat sales: a row of the matrix.

    The deal pipeline's stages are rows too; the deals app links each of its stages to one.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("what happens here"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("funnel stage")
        verbose_name_plural = _("funnel stages")

    def __str__(self) -> str:
        return self.name


class Responsibility(models.Model):
    """One cell of the matrix: a department's RACI letter for a funnel stage."""

    stage = models.ForeignKey(
        FunnelStage,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("stage"),
    )
    department = models.CharField(_("department"), max_length=20, choices=Role.choices)
    letter = models.CharField(_("RACI"), max_length=1, choices=Raci.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage_id", "department"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "department"], name="one_letter_per_stage_department"
            ),
            models.CheckConstraint(
                condition=models.Q(department__in=Role.values), name="responsibility_known_dept"
            ),
            models.CheckConstraint(
                condition=models.Q(letter__in=Raci.values), name="responsibility_known_letter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.department}: {self.letter}"


class HandOff(models.Model):
    """A regulation: at this stage one department hands something to another, and whether a
    department must sign it off first (then a deal cannot move past the stage without it)."""

    stage = models.ForeignKey(
        FunnelStage, on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("stage")
    )
    from_department = models.CharField(_("from"), max_length=20, choices=Role.choices)
    to_department = models.CharField(_("to"), max_length=20, choices=Role.choices)
    what = models.CharField(_("what is handed over"), max_length=300)
    approver = models.CharField(
        _("sign-off by"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("The department whose sign-off the hand-off needs; empty when none."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage_id", "id"]
        verbose_name = _("hand-off rule")
        verbose_name_plural = _("hand-off rules")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "from_department", "to_department"],
                name="one_handoff_per_stage_direction",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_department=models.F("to_department")),
                name="handoff_between_departments",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}: {self.from_department} → {self.to_department}"

    @property
    def requires_approval(self) -> bool:
        return bool(self.approver)


class ReportingLine(models.Model):
    """Who reports to whom, about what and how often."""

    class Cadence(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    department = models.CharField(_("department"), max_length=20, choices=Role.choices)
    reports_to = models.CharField(_("reports to"), max_length=20, choices=Role.choices)
    subject = models.CharField(_("about"), max_length=300)
    cadence = models.CharField(
        _("how often"), max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["department", "reports_to", "id"]
        verbose_name = _("reporting line")
        verbose_name_plural = _("reporting lines")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(department=models.F("reports_to")),
                name="reporting_between_departments",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} → {self.reports_to}: {self.subject}"


# --- The company calendar ------------------------------------------------------------------------


class CompanyDay(models.Model):
    """A date on which the company departs from the country's public holidays
    (``HOLIDAYS_COUNTRY``) and the weekly pattern: a company day off, or a weekend day that is
    worked (Russia moves days off every year). Read by ``org.calendar``."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("company calendar day")
        verbose_name_plural = _("company calendar")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}: {self.get_kind_display()}"


# --- Heartbeats (dead-man's switch) ----------------------------------------------------------


class Heartbeat(models.Model):
    """A periodic job's check-in: when its last run started and finished, and how long it took.

    Jobs check in through ``org.heartbeats.heartbeat``; the watchdog (``ops``) reads these rows
    and treats silence as the alarm.
    """

    name = models.SlugField(_("job"), max_length=50, unique=True)
    started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    duration = models.FloatField(_("last duration (seconds)"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("finished runs"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key an integration sends as ``Authorization: Token <key>``, for one purpose only.

    Management creates it; the key is shown once and only its SHA-512 digest is kept. It does
    not expire; revoking it stops it at once. It acts as the manager who created it.
    """

    class Purpose(models.TextChoices):
        INTAKE = "intake", _("Lead intake")

    PREFIX = "tdk_"  # tells an API key from a login token at a glance

    name = models.CharField(_("name"), max_length=100, help_text=_("Which integration uses it"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    token_key = models.CharField(max_length=20, db_index=True, editable=False)
    digest = models.CharField(max_length=128, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
