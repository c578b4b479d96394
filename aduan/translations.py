"""Keeping the message catalogue in step with the sources: `aduan translations update`
(`make messages`) runs pybabel's extract and update, then refills the source language.

After it, every new or changed Indonesian message shows in `core/locale/en/LC_MESSAGES/
messages.po` with an empty msgstr (or a fuzzy guess from the old wording, with the old msgid as
`#|`): translate those, remove the fuzzy marks, and commit the .pot and both .po files. The
tests (tests/i18n) fail while any entry is missing, fuzzy or out of step with the sources.
"""

from __future__ import annotations

from contextlib import chdir
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# sorted, one line per message and the file without line numbers: moving code or rewording one
# message does not rewrite the rest of the file
EXTRACT_OPTIONS = (
    "--sort-output",
    "--no-wrap",
    "--add-location=file",
    "--add-comments=TRANSLATORS:",
    "--strip-comment-tags",
    "--project=Aduan",
    "--copyright-holder=Aduan contributors",
)
UPDATE_OPTIONS = ("--no-wrap", "--ignore-obsolete", "--previous", "--ignore-pot-creation-date")


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _pybabel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *arguments])


def extract(template: Path = TEMPLATE) -> None:
    """Write the catalogue template of every message the sources mark, as `pybabel extract`."""
    with chdir(ROOT):  # locations relative to the repository
        _pybabel("extract", "-F", str(MAPPING), *EXTRACT_OPTIONS, "-o", str(template), ".")


def fill_source_language() -> None:
    """The Indonesian catalogue says each msgid as it is: the source text is the wording."""
    path = catalogue_path(SOURCE_LANGUAGE)
    with path.open("rb") as source:
        catalog = read_po(source, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if not message.id:
            continue
        message.string = (message.id[0],) if isinstance(message.id, tuple) else message.id
        message.flags.discard("fuzzy")
        message.previous_id = []
    with path.open("wb") as target:
        write_po(
            target,
            catalog,
            width=None,
            ignore_obsolete=True,
            include_previous=True,
            include_lineno=False,
        )


def update() -> None:
    """Extract the template, merge it into every language's catalogue, refill Indonesian."""
    extract()
    for language in LANGUAGES:
        arguments = ["-i", str(TEMPLATE), "-o", str(catalogue_path(language)), "-l", language]
        if not catalogue_path(language).exists():
            arguments.append("--init-missing")
        _pybabel("update", "-D", DOMAIN, *arguments, *UPDATE_OPTIONS)
    fill_source_language()
