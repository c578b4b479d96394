"""Settings the service refuses to start with in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import PLACEHOLDER_SECRET, Settings, settings_problems


def production(**values: object) -> Settings:
    return Settings(app_env="production", _env_file=None, **values)


@pytest.mark.parametrize(
    "key", ["hunter2", "k" * 31, "é" * 15], ids=["7-bytes", "31-bytes", "30-bytes"]
)
def test_production_refuses_a_short_secret_key(key: str) -> None:
    """Production refuses a SECRET_KEY under 32 bytes, saying why and how to make one."""
    with pytest.raises(ValidationError) as refused:
        production(secret_key=key)
    problems = settings_problems(refused.value)
    assert "SECRET_KEY must be at least 32 bytes long in production" in problems
    assert "secrets.token_urlsafe" in problems
    assert key not in problems


def test_production_refuses_the_placeholder_and_takes_a_long_key() -> None:
    """The placeholder is refused; 32 bytes (multi-byte characters count as their bytes) do."""
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        production(secret_key=PLACEHOLDER_SECRET)
    assert production(secret_key="k" * 32).secret_key == "k" * 32
    assert production(secret_key="é" * 16).app_env == "production"


def test_development_takes_any_key() -> None:
    """Outside production a short key is fine (a laptop try-out)."""
    assert Settings(app_env="development", secret_key="a", _env_file=None).secret_key == "a"
