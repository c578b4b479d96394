"""Fixtures the catalogue's tests share with the console's."""

from tests.console.conftest import web  # noqa: F401 - the console's client on https
