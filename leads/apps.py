from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    """Intake, the agreed lead definition, the queue and the first-response SLA."""

    name = "leads"
    verbose_name = _("Leads")
