"""Values from the outside world: the one way to read ids, timestamps and stored dates.

Every id filter, id field and timestamp filter goes through these parsers, so every one
answers odd input the same way (a 400 keyed by the parameter), never a 500:

- ids are ASCII digits only (``str.isdigit()`` accepts ``²`` and ``①``, which ``int()`` then
  refuses) and fit a bigint column;
- timestamps are ISO 8601 with an offset PostgreSQL accepts (within ±15:59) and a year in a
  plausible range, returned in UTC;
- every date from outside -- stored (a due date, a payment's moment) or asked about (a report
  period, ``org.periods``) -- lies between ``EARLIEST`` and ``LATEST``. One rule for both, so
  that any period a report accepts could hold data: no business event of a CRM happened before
  2000 or will be planned after 2100. The bounds also keep every day-after or time zone
  conversion far from ``date.min``/``date.max``.

    from org.inputs import parse_id, parse_timestamp, IdFilter, TimestampFilter, StoredDateField
"""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

ID_MAX = 2**63 - 1  # the largest id a bigint column holds
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_OFFSET = timedelta(hours=15, minutes=59)  # PostgreSQL rejects larger UTC offsets

_ID = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ]"
    r"(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,6})?)?)"
    r"(?P<zone>Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def parse_id(raw: object) -> int:
    """A row id: ASCII digits, 1..ID_MAX. Anything else raises ``ValueError``."""
    text = str(raw).strip()
    if not _ID.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    if not 1 <= value <= ID_MAX:
        raise ValueError(text)
    return value


def earliest_moment() -> datetime:
    return datetime.combine(EARLIEST, time.min, UTC)


def latest_moment() -> datetime:
    return datetime.combine(LATEST, time.max, UTC)


def in_range(value: date | datetime) -> bool:
    """Whether a date or aware datetime lies within EARLIEST..LATEST."""
    if isinstance(value, datetime):
        return earliest_moment() <= value <= latest_moment()
    return EARLIEST <= value <= LATEST


def range_message() -> str:
    return _("Must be between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST.isoformat(),
        "latest": LATEST.isoformat(),
    }


def parse_timestamp(raw: str, *, local_ok: bool = False) -> datetime:
    """An ISO 8601 moment with its offset (``Z``, ``+03:00``); in UTC. A bad format, an
    offset beyond ±15:59, a missing offset or a date outside EARLIEST..LATEST raises
    ``django.core.exceptions.ValidationError`` with the message. With ``local_ok`` (filters)
    a bare date or a time without offset is read in ``settings.TIME_ZONE``."""
    text = raw.strip()
    match = _TIMESTAMP.fullmatch(text)
    local = local_ok and ((match is not None and not match["zone"]) or _DATE.fullmatch(text))
    if not local and (not match or not match["zone"]):
        raise ValidationError(_("A time as ISO 8601 with its offset is required."))
    try:
        value = datetime.fromisoformat(text.replace(",", ".").replace("z", "Z"))
    except ValueError:
        raise ValidationError(_("%(value)s is not a real moment.") % {"value": text}) from None
    if not EARLIEST <= value.date() <= LATEST:
        raise ValidationError(range_message())
    if local:
        value = timezone.make_aware(value)
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        raise ValidationError(_("The offset from UTC must be within ±15:59."))
    return value.astimezone(UTC)


# --- django-filter --------------------------------------------------------------------------


class _IdFormField(forms.CharField):
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_id(text)
        except ValueError:
            raise ValidationError(_("A whole-number id is required.")) from None


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """``?<name>=<id>``: a whole-number id; anything else is a 400."""

    field_class = _IdFormField


class TrueFalseFilter(django_filters.TypedChoiceFilter):
    """``?breached=true`` or ``false``; anything else is a 400 (django-filter's BooleanFilter
    silently ignores a value it cannot read, so a typo would list everything)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(coerce=lambda value: value == "true", **kwargs)


@extend_schema_field({"type": "string", "pattern": "^(me|[0-9]{1,19})$"})
class UserRefFilter(django_filters.CharFilter):
    """``?<field>=<user id>`` or ``?<field>=me``."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        if value == "me":
            return qs.filter(**{self.field_name: self.parent.request.user})
        try:
            user_id = parse_id(value)
        except ValueError:
            raise exceptions.ValidationError({self.field_name: [_("A user id or 'me'.")]}) from None
        return qs.filter(**{f"{self.field_name}_id": user_id})


class _TimestampFormField(forms.CharField):
    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        return parse_timestamp(str(text), local_ok=True)


# What a timestamp filter reads (the schema's pattern): a date, or a date and time, with or
# without an offset (local times are read in TIME_ZONE), years EARLIEST..LATEST.
TIMESTAMP_FILTER_PATTERN = (
    r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.,][0-9]{1,6})?)?"
    r"(Z|z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$"
)


@extend_schema_field({"type": "string", "pattern": TIMESTAMP_FILTER_PATTERN})
class TimestampFilter(django_filters.IsoDateTimeFilter):
    """``?created_after=2026-01-31T00:00:00+03:00``: parsed by ``parse_timestamp``."""

    field_class = _TimestampFormField


# --- DRF serializer fields ------------------------------------------------------------------


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An input field referring to a user, lead, touch, deal or other row by id."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class OwnerField(serializers.IntegerField):
    """The new owner of an assign or reassign action: a user's id, answered with the ``User``.

    An id that names no user is refused here, keyed by the field; whether that user may own
    the lead or deal (an active salesperson) is the service's rule.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        from org.models import User

        owner = User.objects.filter(pk=super().run_validation(data)).first()
        if owner is None:
            raise serializers.ValidationError(_("Choose an active salesperson."))
        return owner


class TimestampField(serializers.DateTimeField):
    """A stored moment: ISO 8601 with an offset within ±15:59, between EARLIEST and LATEST."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            if timezone.is_naive(value) or not in_range(value):
                raise serializers.ValidationError(range_message())
            return value
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        try:
            return parse_timestamp(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class StoredDateField(serializers.DateField):
    """A stored calendar date (due, held, expected close): YYYY-MM-DD within EARLIEST..LATEST."""

    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not in_range(parsed):
            raise serializers.ValidationError(range_message())
        return parsed


# --- JSON bodies are typed -------------------------------------------------------------------

# DRF's fields coerce: 0 or "1" becomes a boolean, a number becomes text, "7" an integer, 1.5 a
# decimal. The API's schema (and so every client generated from it) says which JSON type each
# field takes, and the contract writes money and percentages as decimal strings; a value of
# another type is a client's bug, answered with a 400 keyed by the field rather than guessed
# at. Form-encoded bodies (the public web form, logins, file uploads) carry text only and keep
# DRF's reading. Every API serializer derives from ``TypedSerializer`` or
# ``TypedModelSerializer`` (tests/test_typed_input.py walks them all).


_TEXT, _DECIMAL, _BOOL, _WHOLE, _NUMBER = "text", "decimal", "bool", "whole", "number"
_TYPES: dict[str, tuple[type, ...]] = {
    _TEXT: (str,),
    _DECIMAL: (str,),  # money and percentages: decimal strings (the contract)
    _BOOL: (bool,),
    _WHOLE: (int,),
    _NUMBER: (int, float),
}


def _json_kind(field: serializers.Field) -> str | None:
    """Which JSON value ``field`` takes, or None to leave it to DRF."""
    if isinstance(field, serializers.BooleanField):
        return _BOOL
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        keys = list(field.choices)
        if keys and all(isinstance(key, str) for key in keys):
            return _TEXT
        if keys and all(isinstance(key, int) and not isinstance(key, bool) for key in keys):
            return _WHOLE
        return None
    if isinstance(field, serializers.CharField | serializers.SlugRelatedField):
        return _TEXT
    if isinstance(field, serializers.DecimalField):
        return _DECIMAL
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return _WHOLE
    if isinstance(field, serializers.FloatField):
        return _NUMBER
    return None


def _wrong_type(kind: str) -> str:
    return {
        _TEXT: _("Send text (a JSON string)."),
        _DECIMAL: _('Send the number as a string, e.g. "1.5" or "1500.00".'),
        _BOOL: _("Send true or false."),
        _WHOLE: _("Send a whole number."),
        _NUMBER: _("Send a number."),
    }[kind]


def _json_type_error(field: serializers.Field, value: object) -> str | None:
    if value == "" and isinstance(field, serializers.RelatedField):
        # DRF reads "" as null for a reference; in JSON, "no campaign" is null or left out
        return _("Send null or leave the field out; an empty string names nothing.")
    kind = _json_kind(field)
    if kind is None or value is None:
        return None  # DRF reads it; a null is the field's own rule (allow_null)
    types = _TYPES[kind]
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return _wrong_type(kind)
    return None


def _json_type_errors(field: serializers.Field, value: object) -> list[str] | dict[Any, Any]:
    """The field's errors for ``value``, shaped as DRF shapes them: a list of messages, or for
    a list (a dict) the items' errors keyed by index (by key): ``{"tags": {1: [...]}}``.
    A value that is no list (no object) is left to the field, which refuses it."""
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        items: Any = enumerate(value)
    elif isinstance(field, serializers.DictField) and isinstance(value, dict):
        items = ((str(key), item) for key, item in value.items())
    else:
        message = _json_type_error(field, value)
        return [message] if message else []
    return {key: errors for key, item in items if (errors := _json_type_errors(field.child, item))}


class TypedInputMixin:
    """Refuses a JSON value of the wrong type before DRF's fields read it (see above), the
    items of a list field and the values of a dict field included."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {}
            for field in self._writable_fields:  # type: ignore[attr-defined]
                value = data.get(field.field_name, serializers.empty)
                if value is not serializers.empty:
                    field_errors = _json_type_errors(field, value)
                    if field_errors:
                        errors[field.field_name] = field_errors
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class TypedSerializer(TypedInputMixin, serializers.Serializer):
    pass


class TypedModelSerializer(TypedInputMixin, serializers.ModelSerializer):
    pass


# --- Django forms ----------------------------------------------------------------------------


class StoredDateFormField(forms.DateField):
    """A page's date input for a stored date, bounded to EARLIEST..LATEST."""

    def to_python(self, value: Any) -> date | None:
        parsed = super().to_python(value)
        if parsed is not None and not in_range(parsed):
            raise ValidationError(range_message())
        return parsed


# --- Names and usernames -------------------------------------------------------------------------
# Text that people read (a lead's name, a company, a user's name) must show something: a value
# made only of invisible characters (zero-width spaces, joiners, the Hangul and braille
# fillers) or of direction overrides renders as nothing or reorders what surrounds it.
# Usernames are the login and are shown as "who did this": they are NFKC-normalised (the
# full-width letters ``\uff53\uff41\uff4c\uff45\uff53A`` are ``salesA``) and may not mix
# scripts, so ``s\u0430lesA`` with a Cyrillic a (U+0430) cannot pass for ``salesA``.

# Characters that render as nothing although Unicode calls them letters or symbols.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f\u17b4\u17b5")
# Letters of these scripts are written together in one language (Japanese): one "script".
_SCRIPT_FAMILIES = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HALFWIDTH": "HAN"}


def _invisible(char: str) -> bool:
    category = unicodedata.category(char)
    # Cf: format (zero-width, bidi controls); Cc: control; Z*: separators; M*: marks with
    # nothing to sit on.
    return char in _FILLERS or category in {"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me", "Mc"}


def has_visible_text(value: str) -> bool:
    """Whether ``value`` shows at least one character (empty text is not judged here)."""
    return any(not _invisible(char) for char in value)


def validate_visible_text(value: str) -> None:
    """A validator for names: refuses text made only of invisible or direction characters.
    Empty text is left to ``blank``/``required``."""
    if value and not has_visible_text(value):
        raise ValidationError(
            _("Enter visible text: this is made only of invisible or direction characters."),
            code="invisible",
        )


def _script(char: str) -> str | None:
    """The script of a letter (``LATIN``, ``CYRILLIC`` …); ``None`` for digits, punctuation."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_FAMILIES.get(first, first) or None


def scripts_of(value: str) -> set[str]:
    return {script for script in map(_script, value) if script}


def normalize_username(raw: str) -> str:
    """NFKC form of a username, stripped (what Django's user model stores)."""
    return unicodedata.normalize("NFKC", raw).strip()


def validate_username(value: str) -> None:
    """A validator for usernames (after ``normalize_username``): no invisible characters at
    all, and letters of one script only."""
    if any(_invisible(char) for char in value):
        raise ValidationError(
            _("A username may not contain invisible or direction characters."), code="invisible"
        )
    if len(scripts_of(value)) > 1:
        raise ValidationError(
            _("A username may not mix alphabets (for example Latin and Cyrillic letters)."),
            code="mixed_script",
        )


def clean_username(raw: str) -> str:
    """Normalise and check a username from the outside world; raises ``ValidationError``."""
    value = normalize_username(raw)
    validate_username(value)
    return value
