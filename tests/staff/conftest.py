"""Fixtures the staff tests share with the console's."""

from tests.console.conftest import web  # noqa: F401 - the client on https, as a browser
