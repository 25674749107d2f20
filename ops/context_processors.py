from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from ops.selectors import SweepHealth, sweep_health
from org.models import Role


class SweepBanner:
    """Whether to warn that SLAs are not being enforced; read only if a template asks."""

    @cached_property
    def health(self) -> "SweepHealth":
        return sweep_health(now=timezone.now())

    @property
    def down(self) -> bool:
        return not self.health.healthy


def operations(request: HttpRequest) -> dict[str, Any]:
    """``sla_sweep_banner`` for the people who act on a stopped sweep: management and the
    head of sales (the queue page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if user.is_manager or (user.has_role(Role.SALES) and user.is_head):
        return {"sla_sweep_banner": SweepBanner()}
    return {}
