"""Validation of intake data, shared by the API, the public form endpoint and CSV import."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import Campaign, Channel, WebForm
from leads.normalize import normalize_email, normalize_phone
from leads.services import LeadInput
from org.inputs import TypedSerializer, validate_visible_text


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


class LeadInputSerializer(TypedSerializer):
    """Types, lengths, contact normalisation and attribution for one incoming lead.

    Pass ``context={"form": WebForm}`` for the public endpoint: the form then supplies the
    channel and campaign and decides which contact fields are required.
    """

    name = serializers.CharField(max_length=200, validators=[validate_visible_text])
    email = _text(254)
    phone = _text(40)
    company = _text(200, validators=[validate_visible_text])
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
            errors["channel"] = [
                str(
                    _("Unknown channel “%(value)s”; use one of: %(allowed)s.")
                    % {"value": slug, "allowed": self._allowed("channels", Channel)}
                )
            ]
        return channel

    def _campaign(
        self, slug: str | None, channel: Channel | None, errors: dict[str, list[str]]
    ) -> Campaign | None:
        if not slug:
            return None
        campaign = self._lookup("campaigns", Campaign, slug)
        if campaign is None:
            errors["campaign"] = [
                str(
                    _("Unknown campaign “%(value)s”; use one of: %(allowed)s.")
                    % {"value": slug, "allowed": self._allowed("campaigns", Campaign, channel)}
                )
            ]
        elif channel is not None and campaign.channel_id != channel.pk:
            errors["campaign"] = [
                str(
                    _("Campaign “%(value)s” belongs to another channel (%(channel)s).")
                    % {"value": slug, "channel": campaign.channel}
                )
            ]
        return campaign

    def _lookup(self, kind: str, model: type, value: str) -> Any:
        """Resolve a slug (the API) or, for CSV import, a slug or a name in any case: CSV
        import passes preloaded maps (``name_maps``) in the context, which also avoids N+1."""
        cache = self.context.get(kind)
        if cache is not None:
            return cache.get(value.strip().casefold())
        queryset = model.objects.all()  # type: ignore[attr-defined]
        if model is Channel:
            queryset = queryset.filter(is_active=True)
        return queryset.filter(slug=value).first()

    def _allowed(self, kind: str, model: type, channel: Channel | None = None) -> str:
        """The values a row may use, for the error: "Website (website), ..." (at most 30)."""
        cache = self.context.get(kind)
        if cache is not None:
            objects = list({obj.pk: obj for obj in cache.values()}.values())
        else:
            queryset = model.objects.all()  # type: ignore[attr-defined]
            if model is Channel:
                queryset = queryset.filter(is_active=True)
            objects = list(queryset[:200])
        if channel is not None:
            objects = [obj for obj in objects if getattr(obj, "channel_id", None) == channel.pk]
        shown = sorted(f"{obj.name} ({obj.slug})" for obj in objects)  # type: ignore[attr-defined]
        if not shown:
            return "—"
        return ", ".join(shown[:30]) + (", …" if len(shown) > 30 else "")

    def to_lead_input(self) -> LeadInput:
        return LeadInput(**self.validated_data)


def name_maps() -> dict[str, dict[str, Any]]:
    """The serializer context of CSV import: active channels and all campaigns by slug and by
    name, case-insensitively (a spreadsheet says "Exhibitions" where the API says
    "exhibitions"). A slug wins over another object's name."""
    maps: dict[str, dict[str, Any]] = {}
    sources: list[tuple[str, list[Any]]] = [
        ("channels", list(Channel.objects.filter(is_active=True))),
        ("campaigns", list(Campaign.objects.select_related("channel"))),
    ]
    for kind, objects in sources:
        by_key: dict[str, Any] = {obj.name.strip().casefold(): obj for obj in objects}
        by_key.update((obj.slug.casefold(), obj) for obj in objects)
        maps[kind] = by_key
    return maps
