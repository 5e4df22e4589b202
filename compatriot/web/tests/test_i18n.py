"""Every string of the interface is marked for translation and translated into every language."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from compatriot.web import labels

WEB = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]  # English is the source
ENTRY = re.compile(
    r'^msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?((?:msgstr(?:\[\d\])? (?:".*"\n?)+)+)', re.M
)


def _joined(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines))


def translations(po_text: str) -> dict[str, list[str]]:
    """msgid -> its msgstr forms (one, or one per plural form)."""
    found = {}
    for match in ENTRY.finditer(po_text):
        msgid = _joined(match.group(1))
        if msgid:
            forms = re.split(r"^msgstr(?:\[\d\])? ", match.group(2), flags=re.M)[1:]
            found[msgid] = [_joined(form) for form in forms]
    return found


def msgids(po_text: str) -> set[str]:
    return set(translations(po_text))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The strings makemessages finds in the code and templates as they are now."""
    work = tmp_path_factory.mktemp("messages") / "web"
    shutil.copytree(WEB, work, ignore=shutil.ignore_patterns("locale", "static", "tests"))
    (work / "locale").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        call_command("makemessages", locale=["fr"], no_location=True, verbosity=0)
    return msgids((work / "locale/fr/LC_MESSAGES/django.po").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(extracted: set[str], language: str) -> None:
    po = (WEB / f"locale/{language}/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    committed = translations(po)
    untranslated = sorted(msgid for msgid in extracted if not all(committed.get(msgid) or [""]))
    assert untranslated == [], f"run makemessages and translate these for {language}"
    # The compiled catalogue (make messages) is the committed one.
    catalogue = gettext.translation("django", WEB / "locale", languages=[language])
    assert all(
        catalogue.gettext(msgid) == forms[0]
        for msgid, forms in committed.items()
        if len(forms) == 1
    )


TAG = re.compile(
    r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<script.*?</script>|<style.*?</style>|<[^>]+>", re.S
)
BLOCK_TRANSLATE = re.compile(r"\{% blocktranslate.*?\{% endblocktranslate %\}", re.S)
ATTRIBUTE = re.compile(r'(?:aria-label|placeholder|title|alt)="([^"{]*)"')


@pytest.mark.parametrize("template", sorted((WEB / "templates").rglob("*.html")), ids=str)
def test_template_text_is_marked_for_translation(template: Path) -> None:
    source = BLOCK_TRANSLATE.sub("", template.read_text(encoding="utf-8"))
    loose = [text.strip() for text in TAG.sub("\n", source).split("\n")]
    loose = [text.replace("Compatriot", "") for text in loose]
    words = [text for text in loose if re.search(r"[^\W\d_]{2,}", text)]
    assert words == []
    assert [value for value in ATTRIBUTE.findall(source) if value.strip()] == []


def test_every_code_has_a_translated_label() -> None:
    for kind, names in labels.LABELS.items():
        assert set(names) == {str(value) for value in kind.values}, kind.__name__


@pytest.mark.django_db
def test_language_is_remembered_and_arabic_is_right_to_left(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    page = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "مساعدة المهاجرين العالقين في أزمة" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    assert '<html lang="uk" dir="ltr">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_dates_follow_the_language(client: Client, crisis: object) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "24 février 2022" in client.get(f"/crisis/{crisis.id}/").content.decode()  # type: ignore[attr-defined]
