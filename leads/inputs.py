"""Validation of intake data, shared by the API, the public form endpoint and CSV import."""

import re
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from leads.models import Campaign, Channel, WebForm
from leads.normalize import normalize_email, normalize_phone
from leads.services import LeadInput
from org import sql
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

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """The fields' values, as DRF's field machinery gives them; the common case -- a JSON
        object of valid strings -- checked by ``_plain_fields`` at a fraction of the cost (a
        batch of 1,000 spent a third of its time in DRF's per-field calls). Anything else (a
        value to refuse, a number where text is expected, form-encoded data) goes through
        DRF's fields, which word the errors. Every intake path (``POST /leads/``, the batch,
        the web form, CSV import) validates here, so all judge alike; tests/leads/
        test_inputs.py checks both ways give the same values."""
        attrs = self._plain_fields(data)
        return attrs if attrs is not None else super().to_internal_value(data)

    def _plain_fields(self, data: Any) -> dict[str, Any] | None:
        """``data``'s field values when it is a dict whose fields are all absent or valid
        strings (``consent``: absent or a JSON boolean); None for anything else, left to DRF.
        What DRF's ``CharField`` does to a string is done here in the same order: strip;
        blank is "" (or refused); then its validators (length, no NUL or surrogate
        characters, the declared ones); then the ``validate_<field>`` method."""
        if type(data) is not dict:
            return None
        attrs: dict[str, Any] = {}
        for name, kind, default, blank_ok, max_length, validators in _plain_specs():
            raw = data.get(name, empty)
            if raw is empty:
                if default is _REQUIRED:
                    return None
                if default is empty:
                    continue  # not required and no default: DRF skips the field
                value = default
            elif kind == "bool":
                if type(raw) is not bool:
                    return None
                value = raw
            elif type(raw) is not str:
                return None
            else:
                value = raw.strip()
                if not value:
                    if not blank_ok:
                        return None
                elif len(value) > max_length or _UNSAFE_CHARACTERS.search(value):
                    return None
                else:
                    try:
                        for validator in validators:
                            validator(value)
                    except DjangoValidationError:
                        return None
            check = getattr(self, f"validate_{name}", None)
            if check is not None:
                try:
                    value = check(value)
                except serializers.ValidationError:
                    return None
            attrs[name] = value
        return attrs

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
        # One row by its unique slug on every single intake: hand-written (``org.sql``),
        # compiling the ORM's query cost more than running it.
        if model is Channel:
            found = sql.select(Channel, "slug = %s AND is_active = %s", [value, True])
        else:
            found = sql.select(model, "slug = %s", [value])
        return found[0] if found else None

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


def lead_input(data: Any) -> LeadInput:
    """A ``POST /leads/`` body validated: the lead input, or ``ValidationError`` with the body
    ``is_valid(raise_exception=True)`` gives.

    A JSON object goes through one serializer per process (``run_validation`` keeps no state
    between calls), as a batch's items share one: building a serializer's fields for each
    request (a deep copy of every declared field) cost ten times validating the body.
    Anything else (form-encoded data, a list, ``null``) takes DRF's full path, which words
    the error for a body that is not an object."""
    if type(data) is dict:
        return LeadInput(**_shared_lead_input().run_validation(data))
    serializer = LeadInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.to_lead_input()


@cache
def _shared_lead_input() -> LeadInputSerializer:
    return LeadInputSerializer()


# NUL and lone surrogates: DRF's CharField refuses both (ProhibitNullCharactersValidator,
# ProhibitSurrogateCharactersValidator).
_UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_REQUIRED = object()  # a field's default in ``_plain_specs`` when it has to be given
# DRF's own validators on every CharField, checked inline by ``_plain_fields``.
_BUILT_IN = (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)


@cache
def _plain_specs() -> tuple[tuple[str, str, Any, bool, int, tuple[Any, ...]], ...]:
    """What ``_plain_fields`` needs of each declared field, read from the fields themselves:
    name, "str" or "bool", its default (``empty`` for none, ``_REQUIRED`` when it must be
    given), blank allowed, max length, the declared validators. A field changed above is
    checked the same way here; a field of a kind or with options the plain path does not
    know stops it loudly (tests/leads/test_inputs.py builds these specs)."""
    specs: list[tuple[str, str, Any, bool, int, tuple[Any, ...]]] = []
    for name, field in LeadInputSerializer._declared_fields.items():
        if field.read_only or field.source not in (None, name):
            raise ImproperlyConfigured(f"LeadInputSerializer.{name}: unknown to _plain_fields")
        default = _REQUIRED if field.required else field.default
        if type(field) is serializers.BooleanField and not field.allow_null:
            specs.append((name, "bool", default, False, 0, ()))
        elif (
            type(field) is serializers.CharField and field.trim_whitespace and not field.allow_null
        ):
            validators = tuple(v for v in field.validators if not isinstance(v, _BUILT_IN))
            if field.min_length is not None or field.max_length is None:
                raise ImproperlyConfigured(f"LeadInputSerializer.{name}: unknown to _plain_fields")
            specs.append((name, "str", default, field.allow_blank, field.max_length, validators))
        else:
            raise ImproperlyConfigured(f"LeadInputSerializer.{name}: unknown to _plain_fields")
    return tuple(specs)


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
