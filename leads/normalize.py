"""Contact normalisation: the form in which e-mails and phones are stored and compared."""

import idna
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalize_email(raw: str) -> str:
    """Strip and lower-case the whole address (the contract compares it case-insensitively)
    and write the domain in one form: IDNA (UTS #46) maps full-width letters, the ideographic
    full stop and other look-alikes to what they stand for, and the punycode form
    (``xn--e1afmkfd.xn--p1ai``) and the Unicode one (``пример.рф``) become the same readable
    Unicode domain, so duplicate detection sees one address however it was typed."""
    value = raw.strip().lower()
    if not value:
        return ""
    invalid = ValidationError(_("Enter a valid e-mail address."), code="invalid")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise invalid
    try:
        domain = idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError):
        raise invalid from None
    value = f"{local}@{domain}"
    try:
        validate_email(value)
    except ValidationError:
        raise invalid from None
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
