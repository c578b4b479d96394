"""The message catalogue: in step with the sources, complete in every language, compiled.

A message added or changed in the code without `make messages` and a translation fails here, and
so `make test` fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from aduan.translations import TEMPLATE, catalogue_path, extract
from core.i18n import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, translations, translator
from notifications.enums import MessageKind
from notifications.messages import announcement_message
from notifications.templates import render, subject

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, _text(m.id)) for m in catalog if m.id}


def _text(value: str | tuple[str, ...]) -> str:
    return value[0] if isinstance(value, tuple) else value


def _messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def test_the_template_holds_what_the_sources_say(tmp_path: Path) -> None:
    """core/locale/messages.pot is what `make messages` extracts from the code today."""
    fresh = tmp_path / "messages.pot"
    extract(fresh)
    extracted, committed = _keys(_read(fresh)), _keys(_read(TEMPLATE))
    assert extracted - committed == set(), "messages not in the .pot: run `make messages`"
    assert committed - extracted == set(), "the .pot has messages no code says: `make messages`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    """Each language's .po has every message of the template, translated and reviewed."""
    catalog = _read(catalogue_path(language), language)
    assert _keys(catalog) == _keys(_read(TEMPLATE)), "out of step: run `make messages`"
    untranslated = [m.id for m in _messages(catalog) if not _text(m.string).strip()]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert untranslated == [], f"{language}: translate these"
    assert fuzzy == [], f"{language}: review these and remove their fuzzy mark"
    assert list(catalog.obsolete) == []


def test_the_source_language_says_each_msgid_as_it_is() -> None:
    """Indonesian wording is changed in the code, where the msgid is, never only in its .po."""
    catalog = _read(catalogue_path(SOURCE_LANGUAGE), SOURCE_LANGUAGE)
    differ = [m.id for m in _messages(catalog) if _text(m.string) != _text(m.id)]
    assert differ == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    """A translation fills the same blanks as its source text, and no other."""
    for message in _messages(_read(catalogue_path(language), language)):
        source, translated = _text(message.id), _text(message.string)
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), (
            message.id
        )
        # every message is %-formatted: a lone % or the old {name} blanks would break or show
        for text in (source, translated):
            assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), message.id
            assert not re.search(r"\{\w+\}", text), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_po_file(language: str) -> None:
    """The .mo the service reads says what the .po says (`make` compiles it again)."""
    compiled = translations(language)
    for message in _messages(_read(catalogue_path(language), language)):
        if message.context:
            found = compiled.pgettext(message.context, _text(message.id))
        else:
            found = compiled.gettext(_text(message.id))
        assert found == _text(message.string)


def test_the_languages_say_things_differently() -> None:
    """The English catalogue is a translation, not a copy of the Indonesian source."""
    english = _messages(_read(catalogue_path("en"), "en"))
    same = [m.id for m in english if _text(m.string) == _text(m.id)]
    # names and codes read the same in both languages
    assert set(same) <= {
        "SMS",
        "WhatsApp",
        "Telegram",
        "E-mail",
        "Median",
        "P90",
        "Admin",
        "Status",
        "admin",
        "supervisor",
        "e-mail",
        "Internal",
        "Total",
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "kind",
    # staff mail, and the announcement (not about one case: its own test below)
    [
        k
        for k in MessageKind
        if k
        not in (
            MessageKind.overdue_digest,
            MessageKind.escalation,
            MessageKind.webhook_paused,
            MessageKind.announcement,
        )
    ],
)
def test_every_message_kind_renders(kind: MessageKind, language: str) -> None:
    """Each kind a resident receives comes out whole in each language, with all its blanks
    filled (the golden files hold the exact texts)."""
    text = render(
        kind,
        language,
        code="ABCD-2345",
        track_url="https://aduan.example.go.id/track/ABCD-2345",
        agency="DPU",
        status="resolved",
        note="Sudah",
    )
    assert "ABCD-2345" in text
    assert "%(" not in text and "{" not in text
    other = "en" if language == "id" else "id"
    assert text != render(
        kind,
        other,
        code="ABCD-2345",
        track_url="https://aduan.example.go.id/track/ABCD-2345",
        agency="DPU",
        status="resolved",
        note="Sudah",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_announcement_renders_in_each_language(language: str) -> None:
    """An agency's announcement comes out whole in each language, its subject too, with the
    values a WhatsApp template takes."""
    values = dict(
        reference="PENGUMUMAN-1",
        agency="PDAM",
        text="Pemadaman air di Kel. Pleburan",
        until="sampai 18:00" if language == "id" else "until 18:00",
        map_url="https://aduan.example.go.id/laporan",
    )
    message = announcement_message(language, **values)
    assert "Pemadaman air di Kel. Pleburan." in message.body and "18:00" in message.body
    assert "PDAM" in message.subject and message.kind == MessageKind.announcement
    assert "%(" not in message.body + message.subject
    assert message.variables["until"] == values["until"]
    other = "en" if language == "id" else "id"
    assert message.body != announcement_message(other, **values).body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_message_kind_has_an_email_subject(kind: MessageKind, language: str) -> None:
    """Residents' and staff's e-mails are titled in the message's language."""
    title = subject(language, "ABCD-2345", kind)
    assert "ABCD-2345" in title and "%(" not in title
    assert title != subject("en" if language == "id" else "id", "ABCD-2345", kind)


def test_an_unknown_language_has_no_catalogue() -> None:
    """Asking for a language the service does not speak is an error, not a silent fallback."""
    with pytest.raises(ValueError, match="no catalogue"):
        translator("fr")


def test_a_missing_compiled_catalogue_stops_the_start(tmp_path: Path) -> None:
    """Without its .mo file the app refuses to start, instead of rendering blanks later."""
    shutil.copytree(ROOT / "core", tmp_path / "core", ignore=shutil.ignore_patterns("*.mo"))
    assert not list((tmp_path / "core" / "locale").rglob("*.mo"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'aduan.db'}",
        "APP_ENV": "development",
    }
    env.pop("REDIS_URL", None)
    started = subprocess.run(
        [sys.executable, "-c", "from aduan.app import create_app; create_app()"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode != 0
    assert "CatalogueMissing" in started.stderr
    assert "messages.mo is missing" in started.stderr
    assert str(tmp_path / "core" / "locale") in started.stderr
    assert tmp_path / "core" / "locale" != LOCALE_DIR  # the real catalogue was not touched
