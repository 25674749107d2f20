"""Contact normalisation: the form in which e-mails and phones are stored and compared."""

from functools import lru_cache

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
    Unicode domain, so duplicate detection sees one address however it was typed.

    The checks are Django's ``validate_email`` on the result, split in its two halves: the
    local part's pattern and the length on every call, the domain's (with its IDNA form)
    once per distinct domain (``_email_domain``): a batch of a thousand addresses at a few
    domains was spending most of its validation in the IDNA tables."""
    value = raw.strip().lower()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    readable = _email_domain(domain) if at and local and domain else None
    # validate_email's own first checks, then its local-part pattern (rsplit("@") there splits
    # where rpartition did here: an IDNA domain has no "@").
    if readable is None or len(f"{local}@{readable}") > 320:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    if not validate_email.user_regex.match(local):
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    return f"{local}@{readable}"


@lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    """The readable Unicode form of an e-mail domain, or None when it is not a valid one
    (``validate_email``'s domain half)."""
    try:
        domain = idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError):
        return None
    if domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain):
        return domain
    return None


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
