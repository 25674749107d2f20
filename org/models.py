from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A department. Each user belongs to one; the same names are the permission groups."""

    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    MANAGEMENT = "management", _("Management")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    is_head = models.BooleanField(
        _("department head"),
        default=False,
        help_text=_("Heads approve the lead definition and receive SLA escalations."),
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
    def is_manager(self) -> bool:
        return self.has_role(Role.MANAGEMENT)

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
