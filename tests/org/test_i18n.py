"""The Russian translation: complete, compiled, and served to pages and the API."""

import gettext as gettext_module
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from leads.models import Lead

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
RU_PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdrif]|%[sdrif]")


def _unquote(line: str) -> str:
    body = line.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _entries() -> list[dict[str, object]]:
    """Parse the .po file into entries: flags, msgid, msgid_plural, msgstr forms."""
    entries: list[dict[str, object]] = []
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        entry: dict[str, object] = {"flags": [], "strings": {}}
        strings: dict[str, str] = entry["strings"]  # type: ignore[assignment]
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):  # references, comments, obsolete "#~" entries
                continue
            elif line.startswith('"'):
                assert key is not None, block
                strings[key] += _unquote(line)
            else:
                key, _, rest = line.partition(" ")
                strings[key] = _unquote(rest)
        if strings:
            entries.append(entry)
    return entries


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    """LocaleMiddleware leaves the thread's language active; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_po_header_declares_russian_and_its_three_plural_forms():
    header = _entries()[0]
    strings = header["strings"]
    assert isinstance(strings, dict)
    assert strings["msgid"] == ""
    assert "fuzzy" not in header["flags"]  # type: ignore[operator]
    assert "Language: ru\n" in strings["msgstr"]
    assert f"Plural-Forms: {RU_PLURALS}\n" in strings["msgstr"]


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated: list[str] = []
    fuzzy: list[str] = []
    entries = _entries()[1:]
    assert len(entries) > 500  # the whole interface, not a sample
    for entry in entries:
        strings = entry["strings"]
        assert isinstance(strings, dict)
        msgid = strings["msgid"]
        if "fuzzy" in entry["flags"]:  # type: ignore[operator]
            fuzzy.append(msgid)
        if "msgid_plural" in strings:
            forms = [strings.get(f"msgstr[{i}]", "") for i in range(3)]
        else:
            forms = [strings.get("msgstr", "")]
        if not all(forms):
            untranslated.append(msgid)
    assert not untranslated, f"{len(untranslated)} untranslated, first: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, first: {fuzzy[:10]}"


def test_translations_keep_every_placeholder():
    broken: list[tuple[str, str]] = []
    for entry in _entries()[1:]:
        strings = entry["strings"]
        assert isinstance(strings, dict)
        source = strings.get("msgid_plural") or strings["msgid"]
        expected = sorted(PLACEHOLDER.findall(source))
        for key, text in strings.items():
            if key.startswith("msgstr") and sorted(PLACEHOLDER.findall(text)) != expected:
                broken.append((strings["msgid"], text))
    assert not broken, broken[:10]


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo holds exactly what the .po says (run compilemessages after editing)."""
    with MO_FILE.open("rb") as fh:
        catalog = gettext_module.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    stale: list[str] = []
    for entry in _entries()[1:]:
        strings = entry["strings"]
        assert isinstance(strings, dict)
        msgid = strings["msgid"]
        if "msgctxt" in strings:  # gettext keys a context's entries as "context\x04msgid"
            msgid = f"{strings['msgctxt']}\x04{msgid}"
        if "msgid_plural" in strings:
            wanted = {(msgid, i): strings[f"msgstr[{i}]"] for i in range(3)}
        else:
            wanted = {msgid: strings["msgstr"]}
        if any(catalog.get(key) != text for key, text in wanted.items()):
            stale.append(msgid)
    assert not stale, f"{len(stale)} stale in django.mo, first: {stale[:10]}"
    with translation.override("ru"):
        assert gettext("Leads") == "Лиды"
        assert gettext("Deal created.") == "Сделка создана."


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 голос"),
        (2, "2 голоса"),
        (5, "5 голосов"),
        (11, "11 голосов"),
        (21, "21 голос"),
        (22, "22 голоса"),
        (112, "112 голосов"),
    ],
)
def test_russian_plural_forms(n, expected):
    with translation.override("ru"):
        assert ngettext("%(n)s vote", "%(n)s votes", n) % {"n": n} == expected


def test_model_verbose_names_and_choices_in_russian():
    with translation.override("ru"):
        assert str(Lead._meta.verbose_name_plural) == "лиды"
        assert str(Lead.Status.QUALIFIED.label) == "Квалифицирован"
        assert str(Lead.Status.DISQUALIFIED.label) == "Дисквалифицирован"
    with translation.override("en"):
        assert str(Lead.Status.QUALIFIED.label) == "Qualified"


def test_login_page_in_russian_after_switching_language(client):
    english = client.get("/accounts/login/")
    assert "Log in to Tandem" in english.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/login/"})
    assert switched.status_code == 302

    page = client.get("/accounts/login/").content.decode()
    assert "Вход в Tandem" in page
    assert "Имя пользователя" in page
    assert "Log in to Tandem" not in page


def test_login_page_follows_accept_language(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Вход в Tandem" in page
    assert '<html lang="ru"' in page


def test_leads_list_page_in_russian(client, seller):
    client.force_login(seller)
    client.post("/i18n/setlang/", {"language": "ru"})

    response = client.get("/leads/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Лиды" in page
    assert "Фильтр" in page
    assert "Выйти" in page
    assert ">Leads<" not in page


def test_api_validation_message_in_russian(as_user, marketer, channel):
    client = as_user(marketer)
    body = {"name": "Иван Петров", "channel": "website"}

    english = client.post("/api/v1/leads/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    russian = client.post("/api/v1/leads/", body, format="json", HTTP_ACCEPT_LANGUAGE="ru")

    assert english.status_code == russian.status_code == 400
    assert english.json()["non_field_errors"] == ["Give at least an e-mail or a phone."]
    assert russian.json()["non_field_errors"] == ["Укажите хотя бы e-mail или телефон."]
    assert Lead.objects.count() == 0


def test_api_unknown_reference_message_in_russian(as_user, marketer, channel):
    client = as_user(marketer)
    body = {"name": "Иван Петров", "email": "ivan@example.ru", "channel": "nowhere"}

    response = client.post("/api/v1/leads/", body, format="json", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 400
    assert response.json()["channel"] == [
        "Неизвестный канал «nowhere»; допустимые значения: Website (website)."
    ]
    assert Lead.objects.count() == 0


def test_the_language_a_person_uses_is_remembered_once(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org.models import User
    from tests.factories import UserFactory

    user = UserFactory(role="management")
    assert user.language == "" and user.preferred_language == "en"
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/leads/"})
    client.get("/leads/")
    assert User.objects.get(pk=user.pk).language == "ru"
    with CaptureQueriesContext(connection) as queries:
        client.get("/leads/")
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "org_user" in q["sql"]]
    # An API client's Accept-Language is not the person's choice.
    from rest_framework.test import APIClient

    script = APIClient()
    script.force_authenticate(User.objects.get(pk=user.pk))  # knows the saved "ru"
    assert script.get("/api/v1/leads/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert User.objects.get(pk=user.pk).language == "ru"
