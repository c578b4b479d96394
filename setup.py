"""The build compiles the message catalogues: `pip install .` and `pip install -e .` both leave
core/locale/<language>/LC_MESSAGES/messages.mo beside its .po (the .mo files are not in git)."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).parent / "core" / "locale"


def compile_catalogues() -> None:
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


class BuildPyWithCatalogues(build_py):
    """Compiled into the source tree, where an editable install reads them and from where a
    regular build copies them as package data."""

    def run(self) -> None:
        compile_catalogues()
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogues})
