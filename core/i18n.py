"""The message catalogue: every word residents and staff read, per language, from gettext files.

The wording lives in `core/locale/<language>/LC_MESSAGES/messages.po`, one file per language that
a translator edits in the usual tools; `messages.pot` beside them is what `make messages`
extracts from the Python and Jinja sources (`babel.cfg`). Indonesian is the source language: a
msgid is the Indonesian text exactly as a reader sees it, so the code reads as the product
does, a missing English entry would still show the residents' own language, and a translator
into another regional language works from Indonesian. The Indonesian catalogue repeats each
msgid as its msgstr.

Placeholders are `%(name)s`, filled by keyword as Jinja's newstyle gettext fills them: a message
is always formatted, even with no values, so a literal percent sign is written `%%`.

The compiled `.mo` files are build products (`pip install` and `make` compile them); a missing
one is an error at start-up (`require_catalogues`), never a blank on a page.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "id"
LANGUAGES = ("id", "en")
# each language's name in itself, for the switch to it: the same on every page, never translated
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


class CatalogueMissing(RuntimeError):
    """A language's compiled catalogue is not installed."""


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it yet (a label in a table)."""
    return message


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `language`, one of LANGUAGES."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for language {language!r}")
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=False)
    except FileNotFoundError as exc:
        mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        raise CatalogueMissing(
            f"the compiled message catalogue {mo} is missing: install the package "
            "(`pip install .` or `make`), which compiles it from the .po file"
        ) from exc


def require_catalogues() -> None:
    """Load every language's catalogue now, so a missing one stops start-up."""
    for language in LANGUAGES:
        translations(language)


@dataclass(frozen=True)
class Translator:
    """The catalogue of one language, as the Python code speaks it."""

    language: str

    def gettext(self, message: str, /, **values: object) -> str:
        return translations(self.language).gettext(message) % values

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        """A message whose source text means different things in different places."""
        return translations(self.language).pgettext(context, message) % values


@cache
def translator(language: str) -> Translator:
    translations(language)  # an unknown language fails here, not at the first message
    return Translator(language)


# Babel's date formatting was half of rendering an acknowledgement, which names its due day
# (rendered in each language for a web complaint that names none); few days are ever named
@lru_cache(maxsize=4096)
def day_in_words(day: date, language: str, *, today: date, weekday: bool = True) -> str:
    """`day` as a resident says it in `language` (one of LANGUAGES): "Selasa, 15 Desember",
    "Tuesday, 15 December" (without `weekday`: "15 Desember"); the year is added only when
    `day` is not in `today`'s year."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for language {language!r}")
    pattern = "EEEE, d MMMM" if weekday else "d MMMM"
    if day.year != today.year:
        pattern += " y"
    return format_date(day, format=pattern, locale=language)


def short_day(day: date, language: str) -> str:
    """`day` as a chart's label in `language`: "7 Des", "Dec 7"."""
    return format_skeleton("MMMd", day, locale=language)


@dataclass(frozen=True)
class Numbers:
    """Numbers as `language` writes them (Babel): 1.234,5 in Indonesian, 1,234.5 in English;
    "-" for a number that is not there."""

    language: str

    def __call__(self, value: float | None, digits: int = 0) -> str:
        """`value` with exactly `digits` decimals."""
        if value is None:
            return "-"
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self.language)

    def percent(self, share: float | None) -> str:
        """A share of 1 as a percentage with one decimal: "33,3%"."""
        return "-" if share is None else f"{self(share * 100, 1)}%"

    def scale(self, value: float) -> str:
        """A value on a chart's scale: as few decimals as it needs (0, 2,5, 0,005)."""
        return format_decimal(value, format="#,##0.###", locale=self.language)


# Jinja's newstyle gettext calls these with the template's context: the language is the
# page's `lang`, so one environment serves requests in both languages at once.
@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(context["lang"]).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context["lang"]).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return translations(context["lang"]).pgettext(message_context, message)


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, n: int) -> str:
    return translations(context["lang"]).npgettext(message_context, singular, plural, n)


def jinja_environment(directory: Path) -> Environment:
    """An environment for the templates in `directory`: `_()` and `pgettext()` speak the
    context's `lang`, and an undefined name is an error rather than a blank."""
    environment = Environment(
        loader=FileSystemLoader(directory),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    environment.globals["language_names"] = LANGUAGE_NAMES
    environment.globals["short_day"] = short_day
    return environment
