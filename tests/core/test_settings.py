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


def test_the_public_pages_settings_are_read_as_an_operator_writes_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """TELEGRAM_BOT_USERNAME may carry its @; MAP_CENTER is "lat,lon"; an empty CITY_HOTLINE
    is none; CITY_LOGO must be an image file that exists; each mistake is named."""
    logo = tmp_path / "lambang.svg"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@AduanKotaBot")
    monkeypatch.setenv("MAP_CENTER", "-7.2575, 112.7521")
    monkeypatch.setenv("CITY_HOTLINE", "")
    monkeypatch.setenv("CITY_LOGO", str(logo))
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_username == "AduanKotaBot"
    assert settings.map_center == (-7.2575, 112.7521)
    assert (settings.city_hotline, settings.city_logo) == (None, logo)
    bad = {
        "TELEGRAM_BOT_USERNAME": "Aduan Kota",
        "MAP_CENTER": "112.75,-7.25,3",
        "CITY_LOGO": str(tmp_path / "missing.png"),
    }
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    problems = settings_problems(refused.value)
    assert "TELEGRAM_BOT_USERNAME: a Telegram bot username has 5 to 32" in problems
    assert "MAP_CENTER" in problems
    assert f"CITY_LOGO: no logo file at {tmp_path / 'missing.png'}" in problems
    monkeypatch.setenv("CITY_LOGO", str(tmp_path / "lambang.bmp"))
    with pytest.raises(ValidationError, match="the logo must be one of"):
        Settings(_env_file=None)
