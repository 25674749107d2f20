from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import services
from leads.models import Lead
from org.permissions import acting_user


@require_POST
@login_required
def convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert the caller's own qualified lead (same service as the API)."""
    lead = get_object_or_404(Lead.objects.filter(owner=acting_user(request)), pk=lead_id)
    title = request.POST.get("title", "").strip()[:200]
    try:
        amount = Decimal(request.POST.get("amount", ""))
        if not title or not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        messages.error(request, _("Give the deal a title and a valid amount."))
        return redirect("leads:detail", lead_id)
    try:
        services.deal_create_from_lead(
            lead=lead, by=acting_user(request), title=title, amount=amount
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("leads:detail", lead_id)
    messages.success(request, _("Deal created."))
    return redirect("leads:detail", lead_id)
