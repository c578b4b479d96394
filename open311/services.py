"""What Open311 says about the city's catalogue: the discovery document, the service list (one
service per active category, grouped by agency) and each category's service definition (the
questions its `attributes` in the catalogue file ask).

Bodies in the shapes open311.formats renders; words in the language asked for.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.i18n import N_, translator
from core.settings import Settings
from open311.formats import Open311Error, timestamp
from routing.catalogue import LIST_DATATYPES
from routing.models import Agency, Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
PATH = "/open311/v2"
SERVICE_DESCRIPTION = N_("Pengaduan tentang %(category)s, ditangani oleh %(agency)s.")
CONTACT = N_("Pertanyaan tentang API ini: hubungi pengelola %(city)s.")
CONTACT_HOTLINE = N_("Pertanyaan tentang API ini: hubungi pengelola %(city)s, %(hotline)s.")
KEY_SERVICE = N_(
    "Kunci API untuk mengirim laporan diberikan oleh admin %(city)s; membaca tidak memerlukan "
    "kunci."
)


def _active_categories(session: Session, code: str | None = None) -> list[tuple[Category, Agency]]:
    """The categories that take complaints (they and their agency active), in the
    catalogue's order; only the one of `code` when given."""
    query = (
        select(Category, Agency)
        .join(Agency, col(Agency.id) == Category.agency_id)
        .where(col(Category.active), col(Agency.active))
        .order_by(col(Category.id))
    )
    if code is not None:
        query = query.where(Category.code == code)
    return list(session.exec(query).all())


def service_list(session: Session, language: str) -> list[dict[str, object]]:
    """Every active category as an Open311 service: code, names, whether it has a service
    definition (`metadata`), `realtime` (a request gets its id at once), its keywords in
    `language` and its agency's name as `group`."""
    t = translator(language)
    services: list[dict[str, object]] = []
    for category, agency in _active_categories(session):
        name = category.name_en if language == "en" else category.name
        agency_name = agency.name_en if language == "en" else agency.name
        keywords = category.keywords_en if language == "en" else category.keywords_id
        services.append(
            {
                "service_code": category.code,
                "service_name": name,
                "description": t.gettext(SERVICE_DESCRIPTION, category=name, agency=agency_name),
                "metadata": bool(category.attributes),
                "type": "realtime",
                "keywords": ", ".join(keywords),
                "group": agency_name,
            }
        )
    return services


def service_definition(session: Session, code: str, language: str) -> dict[str, object]:
    """The questions the category `code` asks, in their order, worded in `language`; a
    category that asks none has an empty definition. Open311Error 404 for a code that is not
    a service (unknown, or no longer taking complaints)."""
    category = next((c for c, _ in _active_categories(session, code)), None)
    if category is None:
        raise Open311Error(404, f"service_code '{code[:64]}' not found")
    attributes: list[dict[str, object]] = []
    for attribute in sorted(category.attributes, key=lambda a: a["order"]):
        entry: dict[str, object] = {
            "variable": True,
            "code": attribute["code"],
            "datatype": attribute["datatype"],
            "required": attribute["required"],
            "datatype_description": None,
            "order": attribute["order"],
            "description": attribute["description_en" if language == "en" else "description"],
        }
        if attribute["datatype"] in LIST_DATATYPES:
            name = "name_en" if language == "en" else "name"
            entry["values"] = [{"key": v["key"], "name": v[name]} for v in attribute["values"]]
        attributes.append(entry)
    return {"service_code": category.code, "attributes": attributes}


def catalogue_changed_at(session: Session) -> datetime:
    """When the catalogue last changed (a category or agency loaded or edited)."""
    latest = [
        session.exec(select(sa.func.max(Agency.updated_at))).one(),
        session.exec(select(sa.func.max(Category.updated_at))).one(),
    ]
    return max(moment for moment in latest if moment is not None)


def discovery(session: Session, settings: Settings, language: str) -> dict[str, object]:
    """The Service Discovery document: this one GeoReport v2 endpoint, in XML and JSON."""
    t = translator(language)
    changeset = timestamp(catalogue_changed_at(session), settings.city_timezone)
    contact = (
        t.gettext(CONTACT_HOTLINE, city=settings.city_name, hotline=settings.city_hotline)
        if settings.city_hotline
        else t.gettext(CONTACT, city=settings.city_name)
    )
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": t.gettext(KEY_SERVICE, city=settings.city_name),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.public_base_url + PATH,
                "changeset": changeset,
                "type": "production",
                "formats": FORMATS,
            }
        ],
    }
