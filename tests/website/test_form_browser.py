"""The complete web form in a real Chromium: a pin placed by tapping the map and dragged,
photos attached with previews, sent, acknowledged (SQLite only, skipped without Chromium).

Map tiles come from a local address that answers nothing: the picker must work without them,
as it does on a slow phone whose tiles have not arrived.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from core.db import get_engine
from core.settings import Settings, get_settings
from tests.browser import (
    PHONE,
    csp_refusals,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import RUBBISH, png_bytes
from tests.processes import free_port

pytestmark = needs_chromium
BOT = "AduanKotaBot"


@pytest.fixture
def settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment with a Telegram bot to link to, and map tiles from nowhere."""
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", BOT)
    monkeypatch.setenv("MAP_TILE_URL", f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png")
    get_settings.cache_clear()
    return get_settings()


def test_a_resident_places_a_pin_attaches_photos_and_asks_for_telegram(
    browser: Browser, live_server: str, settings: Settings, tmp_path: Path
) -> None:
    """On a phone: tapping the map fills the location and dragging the pin moves it; two
    photos show as previews; Telegram is chosen; the acknowledgement shows the code and the
    t.me link; the case has the pin's place and both photos. No script error on the way
    (the CSP would report an inline script or a blocked image)."""
    page = browser.new_page(viewport=PHONE)
    problems = csp_refusals(page)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/")
    page.fill("#text", RUBBISH)

    picker = page.locator("#map-picker")
    assert picker.is_visible()
    assert page.locator("#lat").input_value() == ""
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    first = (float(page.locator("#lat").input_value()), float(page.locator("#lon").input_value()))
    assert first == pytest.approx((-6.9932, 110.4203), abs=0.01)  # MAP_CENTER, tapped
    marker = page.locator(".leaflet-marker-icon")
    assert marker.get_attribute("alt") == "Tempat masalahnya"
    pin = marker.bounding_box()
    page.mouse.move(pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] - 4)
    page.mouse.down()
    page.mouse.move(pin["x"] + 60, pin["y"] + 40, steps=8)
    page.mouse.up()
    dragged = (float(page.locator("#lat").input_value()), float(page.locator("#lon").input_value()))
    assert dragged[0] < first[0] and dragged[1] > first[1]  # south-east of the tap

    photos = []
    for name, size in (("lubang.png", (40, 30)), ("sampah.png", (30, 40))):
        path = tmp_path / name
        path.write_bytes(png_bytes(*size))
        photos.append(str(path))
    page.set_input_files("#photos", photos)
    previews = page.locator("#previews img")
    previews.nth(1).wait_for()
    assert previews.count() == 2
    assert page.locator("#previews").text_content() == "lubang.pngsampah.png"
    page.get_by_label("Telegram").check()
    shot(page, "form-complete")

    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/track/*")
    assert "Aduan Anda sudah kami terima" in page.get_by_role("status").first.text_content()
    link = page.get_by_role("link", name="Sambungkan ke Telegram")
    assert link.get_attribute("href").startswith(f"https://t.me/{BOT}?start=")
    shot(page, "form-acknowledged-telegram")
    assert problems == []

    with get_engine(settings.database_url).connect() as connection:
        [(lat, lon)] = connection.execute(sa.text("SELECT latitude, longitude FROM cases")).all()
        names = connection.execute(sa.text("SELECT filename FROM attachments ORDER BY 1")).all()
    assert (lat, lon) == pytest.approx(dragged, abs=1e-6)
    assert [name for (name,) in names] == ["lubang.png", "sampah.png"]
    page.close()


def test_without_javascript_the_form_files_with_the_address_alone(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """With scripts off the map and its buttons stay hidden, and the form still files."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/")
    assert not page.locator("#map-picker").is_visible()
    assert not page.locator("#locate").is_visible()
    page.fill("#text", RUBBISH)
    page.fill("#address", "Pasar Johar, pintu timur")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/track/*")
    with get_engine(settings.database_url).connect() as connection:
        [(address, lat)] = connection.execute(sa.text("SELECT address, latitude FROM cases")).all()
    assert (address, lat) == ("Pasar Johar, pintu timur", None)
    context.close()


def test_the_browser_refuses_a_photo_over_the_limit_before_sending(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """A photo larger than MEDIA_MAX_BYTES is named at once and the form is not sent (the
    server would refuse the whole request); a smaller choice clears the message."""
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/")
    page.fill("#text", RUBBISH)
    huge = png_bytes() + bytes(settings.media_max_bytes)
    page.set_input_files(
        "#photos", [{"name": "besar.png", "mimeType": "image/png", "buffer": huge}]
    )
    message = page.eval_on_selector("#photos", "input => input.validationMessage")
    assert message == "Foto ini lebih besar dari batas 10 MB: besar.png"
    page.click("button[type=submit]")
    assert page.url == f"{live_server}/"
    small = {"name": "kecil.png", "mimeType": "image/png", "buffer": png_bytes()}
    page.set_input_files("#photos", [small])
    assert page.eval_on_selector("#photos", "input => input.validationMessage") == ""
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 0
    page.close()
