from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from leads.defaults import ensure_defaults

    ensure_defaults(using=using)


class LeadsConfig(AppConfig):
    """Intake, the agreed lead definition, the queue and the first-response SLA."""

    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="leads.defaults")
