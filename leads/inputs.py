"""Validation of intake data, shared by the API, the public form endpoint and CSV import."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import Campaign, Channel, WebForm
from leads.normalize import normalize_email, normalize_phone
from leads.services import LeadInput


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


class LeadInputSerializer(serializers.Serializer):
    """Types, lengths, contact normalisation and attribution for one incoming lead.

    Pass ``context={"form": WebForm}`` for the public endpoint: the form then supplies the
    channel and campaign and decides which contact fields are required.
    """

    name = serializers.CharField(max_length=200)
    email = _text(254)
    phone = _text(40)
    company = _text(200)
    need = _text(5000)
    segment = _text(50)
    region = _text(50)
    channel = serializers.CharField(max_length=50, required=False)
    campaign = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    utm_source = _text(200)
    utm_medium = _text(200)
    utm_campaign = _text(200)
    utm_term = _text(200)
    utm_content = _text(200)
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Consent to the processing of personal data (web forms that require it)."),
    )

    def validate_email(self, value: str) -> str:
        try:
            return normalize_email(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_phone(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form: WebForm | None = self.context.get("form")
        errors: dict[str, list[str]] = {}
        if not attrs.get("email") and not attrs.get("phone"):
            errors["non_field_errors"] = [str(_("Give at least an e-mail or a phone."))]
        consent = attrs.pop("consent", False)
        attrs["consent_text"] = ""
        if form is not None:
            if form.require_consent and not consent:
                errors["consent"] = [
                    str(_("Consent to the processing of personal data is required."))
                ]
            if consent:
                attrs["consent_text"] = form.consent_wording()
            if form.require_email and not attrs.get("email"):
                errors["email"] = [str(_("This form requires an e-mail."))]
            if form.require_phone and not attrs.get("phone"):
                errors["phone"] = [str(_("This form requires a phone."))]
            attrs["channel"] = form.channel
            attrs["campaign"] = form.campaign
            attrs["form"] = form
        else:
            attrs["channel"] = self._channel(attrs.get("channel"), errors)
            attrs["campaign"] = self._campaign(attrs.get("campaign"), attrs["channel"], errors)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _channel(self, slug: str | None, errors: dict[str, list[str]]) -> Channel | None:
        if not slug:
            errors["channel"] = [str(_("This field is required."))]
            return None
        channel = self._lookup("channels", Channel, slug)
        if channel is None:
            errors["channel"] = [str(_("Unknown channel %(slug)r.") % {"slug": slug})]
        return channel

    def _campaign(
        self, slug: str | None, channel: Channel | None, errors: dict[str, list[str]]
    ) -> Campaign | None:
        if not slug:
            return None
        campaign = self._lookup("campaigns", Campaign, slug)
        if campaign is None:
            errors["campaign"] = [str(_("Unknown campaign %(slug)r.") % {"slug": slug})]
        elif channel is not None and campaign.channel_id != channel.pk:
            errors["campaign"] = [
                str(_("Campaign %(slug)r belongs to another channel.") % {"slug": slug})
            ]
        return campaign

    def _lookup(self, kind: str, model: type, slug: str) -> Any:
        """Resolve a slug; CSV import passes preloaded maps in the context to avoid N+1."""
        cache = self.context.get(kind)
        if cache is not None:
            return cache.get(slug)
        queryset = model.objects.all()  # type: ignore[attr-defined]
        if model is Channel:
            queryset = queryset.filter(is_active=True)
        return queryset.filter(slug=slug).first()

    def to_lead_input(self) -> LeadInput:
        return LeadInput(**self.validated_data)
