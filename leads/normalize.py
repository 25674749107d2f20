"""Contact normalisation: the form in which e-mails and phones are stored and compared."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalize_email(raw: str) -> str:
    """Strip and lower-case the whole address (the contract compares it case-insensitively)."""
    value = raw.strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid") from None
    return value


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Parse to E.164 (``+79161234567``) using ``PHONE_DEFAULT_REGION`` for local numbers."""
    value = raw.strip()
    if not value:
        return ""
    if len(value) > 40:
        raise ValidationError(_("Enter a valid phone number."), code="invalid")
    try:
        number = phonenumbers.parse(value, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
