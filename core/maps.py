"""The map tiles every page with a Leaflet map draws on (the console's case map, the public
reports map and case pin), as the pages hand them to their scripts."""

from __future__ import annotations

import html

from core.settings import Settings


def tile_layer(settings: Settings) -> dict[str, str]:
    """`tiles` (MAP_TILE_URL) and `attribution` for a page's data-* attributes.

    Leaflet puts the attribution into the page as HTML: it goes as text, so an entity such
    as &copy; shows as its character and markup in the setting is shown, never run.
    """
    return {
        "tiles": settings.map_tile_url,
        "attribution": html.escape(html.unescape(settings.map_attribution)),
    }
