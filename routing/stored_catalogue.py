"""The catalogue in the database: loading a file into it, reading it back in the file's shape."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import utcnow
from routing.catalogue import (
    AgencyKind,
    AgencySpec,
    AttributeSpec,
    Catalogue,
    CategorySpec,
    Keywords,
)
from routing.models import Agency, Category, ServiceArea


@dataclass(frozen=True)
class LoadReport:
    agencies: int  # referral bodies included
    categories: int
    deactivated: int
    areas: int = 0
    referrals: int = 0  # of `agencies`, the referral bodies

    @property
    def loaded(self) -> str:
        """What was loaded, as the CLI says it."""
        return (
            f"{self.agencies} agencies ({self.referrals} of them referral bodies), "
            f"{self.categories} categories, {self.areas} service areas"
        )


def load_catalogue(session: Session, catalogue: Catalogue) -> LoadReport:
    """Make the database match the file: upsert by code, deactivate what the file dropped.

    Rows are never deleted because cases keep pointing at them.
    """
    now = utcnow()
    agencies = {a.code: a for a in session.exec(select(Agency))}
    categories = {c.code: c for c in session.exec(select(Category))}
    seen_agencies: set[str] = set()
    seen_categories: set[str] = set()
    for spec in catalogue.agencies:
        agency = agencies.get(spec.code) or Agency(
            code=spec.code, name=spec.name, name_en=spec.name_en
        )
        agency.name, agency.name_en, agency.active, agency.updated_at = (
            spec.name,
            spec.name_en,
            True,
            now,
        )
        agency.kind, agency.channel, agency.channel_en, agency.hotline = (
            spec.kind,
            spec.channel,
            spec.channel_en,
            spec.hotline,
        )
        session.add(agency)
        session.flush()
        seen_agencies.add(spec.code)
        for cat in spec.categories:
            category = categories.get(cat.code) or Category(
                code=cat.code, agency_id=agency.id, name=cat.name, name_en=cat.name_en, sla_hours=1
            )
            category.agency_id = agency.id
            category.name, category.name_en, category.sla_hours = (
                cat.name,
                cat.name_en,
                cat.sla_hours,
            )
            category.keywords_id, category.keywords_en = (
                list(cat.keywords.id),
                list(cat.keywords.en),
            )
            category.proof_required = cat.proof_required
            category.attributes = [attribute.model_dump() for attribute in cat.attributes]
            category.active, category.updated_at = True, now
            session.add(category)
            seen_categories.add(cat.code)
    stale = [a for code, a in agencies.items() if code not in seen_agencies and a.active]
    stale += [c for code, c in categories.items() if code not in seen_categories and c.active]
    for row in stale:
        row.active, row.updated_at = False, now
        session.add(row)
    areas, stale_areas = _load_areas(
        session, catalogue, {a.code: a for a in session.exec(select(Agency))}
    )
    session.flush()
    return LoadReport(
        len(seen_agencies),
        len(seen_categories),
        len(stale) + stale_areas,
        areas,
        len(catalogue.referrals),
    )


def _load_areas(
    session: Session, catalogue: Catalogue, agencies: dict[str, Agency]
) -> tuple[int, int]:
    """Upsert each agency's service areas by (agency, code); deactivate those the file dropped.

    An agency without an `areas` file has no areas. Returns (areas loaded, areas deactivated).
    """
    existing = {(a.agency_id, a.code): a for a in session.exec(select(ServiceArea))}
    seen: set[tuple[int, str]] = set()
    for spec in catalogue.agencies:
        agency_id = agencies[spec.code].id
        for area_spec in spec.service_areas:
            key = (agency_id, area_spec.code)
            area = existing.get(key) or ServiceArea(
                agency_id=agency_id, code=area_spec.code, name=area_spec.name, geometry={}
            )
            area.name, area.geometry, area.active = area_spec.name, area_spec.geometry, True
            session.add(area)
            seen.add(key)
    stale = [a for key, a in existing.items() if key not in seen and a.active]
    for area in stale:
        area.active = False
        session.add(area)
    return len(seen), len(stale)


def catalogue_is_empty(session: Session) -> bool:
    """Whether the database holds no agency, also when it has no tables yet (never upgraded)."""
    if not sa.inspect(session.connection()).has_table(Agency.__tablename__):
        return True
    return session.exec(select(sa.func.count()).select_from(Agency)).one() == 0


def catalogue_from_database(session: Session) -> Catalogue:
    """The active catalogue as the database holds it, in the file's shape."""
    agencies = session.exec(select(Agency).where(Agency.active).order_by(Agency.id)).all()
    categories = session.exec(select(Category).where(Category.active).order_by(Category.id)).all()
    by_agency: dict[int, list[CategorySpec]] = {}
    for c in categories:
        by_agency.setdefault(c.agency_id, []).append(
            CategorySpec(
                code=c.code,
                name=c.name,
                name_en=c.name_en,
                sla_hours=c.sla_hours,
                keywords=Keywords(id=c.keywords_id, en=c.keywords_en),
                proof_required=c.proof_required,
                attributes=[AttributeSpec.model_validate(a) for a in c.attributes],
            )
        )
    return Catalogue(
        agencies=[
            AgencySpec(
                code=a.code,
                name=a.name,
                name_en=a.name_en,
                categories=by_agency[a.id],
                kind=a.kind,
                channel=a.channel,
                channel_en=a.channel_en,
                hotline=a.hotline,
            )
            for a in agencies
            if a.id in by_agency
        ]
    )


def agencies(
    session: Session, *, active_only: bool = False, kind: AgencyKind | None = None
) -> list[Agency]:
    """Agencies in code order; inactive ones too unless `active_only`; only the city's or
    only the referral bodies with `kind`, else both."""
    query = select(Agency).order_by(col(Agency.code))
    if active_only:
        query = query.where(Agency.active)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    return list(session.exec(query))


def categories(session: Session, *, active_only: bool = False) -> list[Category]:
    """Categories in the catalogue's order; inactive ones too unless `active_only`."""
    query = select(Category).order_by(col(Category.id))
    return list(session.exec(query.where(Category.active) if active_only else query))


def category_by_code(session: Session, code: str) -> Category | None:
    return session.exec(select(Category).where(Category.code == code)).first()


def set_category_terms(
    session: Session, category: Category, *, sla_hours: int, active: bool
) -> None:
    """Change a category's SLA hours and whether it takes complaints, in the caller's
    transaction. Complaints filed from then on get the new hours; open cases keep their due
    time. Routing notices the change (its cache keys on `updated_at`)."""
    category.sla_hours, category.active, category.updated_at = sla_hours, active, utcnow()
    session.add(category)
