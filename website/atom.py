"""Public cases as an Atom feed (RFC 4287), for residents who follow their neighbourhood.

Written with the standard library's ElementTree: a feed is a dozen elements, and ElementTree
escapes every text and attribute, so a resident's words can never break the XML. A feed
library would add a dependency for no more than that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree

from cases.schemas import PublicCaseItem
from core.db import utcnow
from core.i18n import N_
from website.words import page_text

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
FEED_TITLE = N_("Aduan Warga: laporan terbaru")


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as Atom wants its dates."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str):
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    items: Sequence[PublicCaseItem],
    *,
    language: str,
    names: Sequence[str],
    self_url: str,
    page_url: str,
) -> bytes:
    """The feed of `items` (public cases, newest first); `names` are the area, agency or
    category it is narrowed to, for its title; its id is its own address."""
    text = page_text(language)
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language}
    )
    title = text.gettext(FEED_TITLE)
    _add(feed, "title", " · ".join((title, *names)))
    _add(feed, "id", self_url)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    newest = max((item.updated_at for item in items), default=None)
    _add(feed, "updated", _stamp(newest or utcnow()))
    author = _add(feed, "author")
    _add(author, "name", text.gettext("Aduan Warga"))
    for item in items:
        entry = _add(feed, "entry")
        what = item.category.name if item.category else text.gettext("Aduan")
        _add(entry, "title", f"{item.tracking_code} · {what} · {item.status_label}")
        _add(entry, "id", item.url.split("?")[0])
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(entry, "published", _stamp(item.created_at))
        _add(entry, "updated", _stamp(item.updated_at))
        if item.category:
            _add(entry, "category", term=item.category.code, label=item.category.name)
        lines = [item.status_label]
        if item.agency:
            lines.append(item.agency.name)
        if item.area:
            lines.append(item.area)
        if item.address:
            lines.append(item.address)
        if item.text:
            lines.append(item.text)
        _add(entry, "summary", "\n".join(lines), type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
