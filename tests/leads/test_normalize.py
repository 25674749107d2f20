"""Contact normalisation, including property-based checks with hypothesis."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from leads.normalize import normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ivan.Petrov@Example.RU ", "ivan.petrov@example.ru"),
        ("ANNA@MAIL.COM", "anna@mail.com"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_email_is_stripped_and_lower_cased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@", "@b.ru", "a b@c.ru", "a@b@c.ru"])
def test_invalid_email_is_rejected(raw):
    with pytest.raises(ValidationError):
        normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (916) 123-45-67", "+79161234567"),
        ("+7 916 123 45 67", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_phone_is_parsed_to_e164_with_the_default_region(raw, expected):
    assert normalize_phone(raw) == expected


def test_default_region_comes_from_settings(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert normalize_phone("020 7946 0958") == "+442079460958"


@pytest.mark.parametrize("raw", ["12", "not a phone", "+7 000", "8" * 41, "+999 123"])
def test_invalid_phone_is_rejected(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


local_part = st.from_regex(r"\A[a-zA-Z0-9][a-zA-Z0-9._+-]{0,20}[a-zA-Z0-9]\Z")
domain = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9-]{0,10}[a-zA-Z0-9]\.[a-zA-Z]{2,6}\Z")


@settings(max_examples=200, deadline=None)
@given(local=local_part, host=domain, pad=st.sampled_from(["", " ", "\t", "  "]))
def test_email_normalisation_is_idempotent_and_case_insensitive(local, host, pad):
    raw = f"{pad}{local}@{host}{pad}"
    try:
        once = normalize_email(raw)
    except ValidationError:
        return  # e.g. ".." in the local part: rejected consistently, never crashes
    assert once == once.lower() == once.strip()
    assert normalize_email(once) == once
    assert normalize_email(raw.upper()) == once


ru_mobile = st.integers(min_value=9_000_000_000, max_value=9_999_999_999).map(str)
formats = st.sampled_from(
    [
        lambda d: f"+7{d}",
        lambda d: f"8{d}",
        lambda d: f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        lambda d: f"8 {d[:3]} {d[3:6]} {d[6:]}",
        lambda d: d,
    ]
)


@settings(max_examples=300, deadline=None)
@given(digits=ru_mobile, fmt=formats)
def test_every_written_form_of_a_number_normalises_to_one_e164(digits, fmt):
    """Dedup depends on this: all ways of writing one number compare equal."""
    number = phonenumbers.parse(f"+7{digits}")
    if not phonenumbers.is_valid_number(number):
        with pytest.raises(ValidationError):
            normalize_phone(fmt(digits))
        return
    assert normalize_phone(fmt(digits)) == f"+7{digits}"
    assert normalize_phone(normalize_phone(fmt(digits))) == f"+7{digits}"


@settings(max_examples=300, deadline=None)
@given(raw=st.text(max_size=60))
def test_arbitrary_text_never_crashes(raw):
    for normalize in (normalize_email, normalize_phone):
        try:
            result = normalize(raw)
        except ValidationError:
            continue
        assert isinstance(result, str)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan@Пример.РФ", "ivan@пример.рф"),
        ("ivan@xn--e1afmkfd.xn--p1ai", "ivan@пример.рф"),  # punycode: the same domain
        (
            "anna@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.ru",
            "anna@example.ru",
        ),  # full-width look-alike letters
        ("anna@example。ru", "anna@example.ru"),  # ideographic full stop
        ("hans@XN--BCHER-KVA.de", "hans@bücher.de"),
    ],
)
def test_email_domains_are_idna_normalised(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["a@xn--zz.ru", "a@-bad-.ru", "a@exa mple.ru"])
def test_email_domains_idna_refuses_are_invalid(raw):
    with pytest.raises(ValidationError):
        normalize_email(raw)


@pytest.mark.django_db
def test_unicode_and_punycode_domain_are_one_contact(as_user, marketer, channel):
    client = as_user(marketer)
    first = client.post(
        "/api/v1/leads/",
        {"name": "Ivan", "email": "ivan@пример.рф", "channel": "website"},
        format="json",
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/leads/",
        {"name": "Ivan", "email": "IVAN@xn--e1afmkfd.xn--p1ai", "channel": "website"},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]


def _normalize_email_whole(raw: str) -> str | None:
    """The reference: IDNA, then Django's ``validate_email`` on the whole address, on every
    call (what ``normalize_email`` did before it checked each domain once)."""
    import idna
    from django.core.validators import validate_email

    value = raw.strip().lower()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return None
    try:
        value = f"{local}@{idna.decode(idna.encode(domain, uts46=True))}"
        validate_email(value)
    except (idna.IDNAError, UnicodeError, ValidationError):
        return None
    return value


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from('aZ.-_+"\\ @\x00é1'), max_size=12),
    st.sampled_from(
        [
            "x.ru",
            "X.RU",
            "пример.рф",
            "xn--e1afmkfd.xn--p1ai",
            "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\u3002\uff43\uff4f\uff4d",  # full-width
            "[1.2.3.4]",
            "localhost",
            "a..b",
            "-a.com",
            "a" * 64 + ".com",
            "",
            "b@c.ru",
            "x.r\u200bu",
        ]
    ),
)
def test_email_checked_per_domain_judges_as_validate_email_on_the_whole(local, domain):
    raw = f"{local}@{domain}"
    try:
        got: str | None = normalize_email(raw)
    except ValidationError:
        got = None
    assert got == _normalize_email_whole(raw)
    long = f"{'a' * 260}@{'b' * 60}.{domain or 'ru'}"  # over validate_email's 320 characters
    try:
        got = normalize_email(long)
    except ValidationError:
        got = None
    assert got == _normalize_email_whole(long)
