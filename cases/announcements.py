"""Area announcements: an agency tells an area about a known problem for a time window
("Pemadaman air PDAM di Kel. Pleburan sampai 18:00").

Posting one tells, once each, every resident with an open case located in the area and every
follower of such a case, on their own channel (through the outbox; WhatsApp outside the 24-hour
window by the `announcement` template or SMS, as any message). While it is active (started, not
ended, not cancelled) the public map shows it (text redacted), and a new complaint of its agency
and category (any of the agency's when it names none) located in its area is linked to it: the
acknowledgement names the announcement, and the console's queue can leave such cases out.
Cancelling or ending an announcement changes no case.

Who may post and cancel: officers of the agency (its head among them) and supervisors. What
the console's list and the public see of them is cases/announcement_views.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import shapely
import sqlalchemy as sa
from shapely.geometry import mapping, shape
from sqlmodel import Session, col, select

from cases.enums import OPEN_STATUSES
from cases.models import Announcement, Case, CaseSubscriber
from cases.webhooks import raise_announcement
from core.db import utcnow
from core.i18n import N_, day_in_words, translator
from core.settings import Settings
from core.versions import CachedVersion
from notifications.messages import announcement_message
from notifications.models import Contact
from notifications.service import queue_messages
from notifications.templates import language_of
from routing.models import Agency, Category, ServiceArea
from staff.enums import Role
from staff.models import User

TEXT_MIN, TEXT_MAX = 10, 500
RADIUS_MIN_M, RADIUS_MAX_M = 50, 20_000
POLYGON_POINTS_MAX = 200
LONGEST = timedelta(days=30)
EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE = 111_320
# the public map's page in each language, which the residents' message links to
MAP_PATHS = {"id": "/laporan", "en": "/reports"}


class AreaKind(StrEnum):
    service_area = "service_area"
    circle = "circle"
    polygon = "polygon"


class Refusal(StrEnum):
    not_allowed = "not_allowed"
    unknown_agency = "unknown_agency"
    unknown_category = "unknown_category"
    text_length = "text_length"
    unknown_area = "unknown_area"
    bad_circle = "bad_circle"
    bad_polygon = "bad_polygon"
    bad_window = "bad_window"
    too_long = "too_long"
    not_found = "not_found"
    already_over = "already_over"


# why a post or a cancel was refused, as the officer reads it
REFUSALS = {
    Refusal.not_allowed: N_(
        "Hanya petugas dinas itu dan supervisor yang boleh mengumumkan atau membatalkannya."
    ),
    Refusal.unknown_agency: N_("Dinas tidak dikenal."),
    Refusal.unknown_category: N_("Kategori itu bukan milik dinas ini."),
    Refusal.text_length: N_("Isi pengumuman harus %(min)s sampai %(max)s karakter."),
    Refusal.unknown_area: N_("Pilih wilayah layanan dari daftar."),
    Refusal.bad_circle: N_(
        "Lingkaran perlu titik tengah (lintang, bujur) dan jari-jari %(min)s sampai %(max)s meter."
    ),
    Refusal.bad_polygon: N_(
        "Poligon perlu 3 sampai %(max)s titik di peta yang membentuk bidang tanpa garis bersilang."
    ),
    Refusal.bad_window: N_("Waktu selesai harus sesudah waktu mulai dan belum lewat."),
    Refusal.too_long: N_("Pengumuman berlaku paling lama %(days)s hari."),
    Refusal.not_found: N_("Pengumuman tidak ditemukan."),
    Refusal.already_over: N_("Pengumuman ini sudah dibatalkan atau sudah berakhir."),
}
STATUS_CODES = {Refusal.not_allowed: 403, Refusal.not_found: 404, Refusal.already_over: 409}

# the acknowledgement's sentence naming the announcement a new complaint was linked to
# TRANSLATORS: %(text)s is the agency's announcement, %(until)s e.g. "sampai 18:00"
KNOWN_PROBLEM = N_("Sudah ada pengumuman: %(text)s, %(until)s.")
UNTIL = N_("sampai %(moment)s")
FROM_UNTIL = N_("mulai %(start)s sampai %(end)s")


class AnnouncementError(ValueError):
    """A post or cancel that was refused; `reason` and `params` word it (REFUSALS)."""

    def __init__(self, reason: Refusal, **params: object) -> None:
        super().__init__(f"announcement refused: {reason}")
        self.reason, self.params = reason, params

    @property
    def status_code(self) -> int:
        return STATUS_CODES.get(self.reason, 422)

    def text(self, language: str) -> str:
        return translator(language_of(language)).gettext(REFUSALS[self.reason], **self.params)


@dataclass(frozen=True)
class AreaInput:
    """The area as the form gave it: a service area's id, a circle, or a polygon's points as
    (latitude, longitude)."""

    kind: AreaKind
    service_area_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    points: tuple[tuple[float, float], ...] = field(default_factory=tuple)


def may_announce(user: User, agency_id: int) -> bool:
    """Whether `user` may post or cancel announcements of the agency `agency_id`."""
    if user.role == Role.supervisor:
        return True
    return user.role == Role.officer and user.agency_id is not None and user.agency_id == agency_id


def _finite(*values: float | None) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def _area(session: Session, area: AreaInput) -> tuple[dict, int | None, int | None]:
    """The GeoJSON geometry, the service area's id and the radius of `area`, or refused."""
    if area.kind is AreaKind.service_area:
        found = session.get(ServiceArea, area.service_area_id) if area.service_area_id else None
        if found is None or not found.active:
            raise AnnouncementError(Refusal.unknown_area)
        return dict(found.geometry), found.id, None
    if area.kind is AreaKind.circle:
        lat, lon, radius = area.latitude, area.longitude, area.radius_m
        if not (
            _finite(lat, lon, radius)
            and -90 <= lat <= 90
            and -180 <= lon <= 180
            and RADIUS_MIN_M <= radius <= RADIUS_MAX_M
        ):
            raise AnnouncementError(Refusal.bad_circle, min=RADIUS_MIN_M, max=RADIUS_MAX_M)
        return {"type": "Point", "coordinates": [lon, lat]}, None, round(radius)
    points = area.points
    if not (
        3 <= len(points) <= POLYGON_POINTS_MAX
        and all(
            _finite(lat, lon) and -90 <= lat <= 90 and -180 <= lon <= 180 for lat, lon in points
        )
    ):
        raise AnnouncementError(Refusal.bad_polygon, max=POLYGON_POINTS_MAX)
    polygon = shapely.Polygon([(lon, lat) for lat, lon in points])
    if not polygon.is_valid or polygon.area == 0:
        raise AnnouncementError(Refusal.bad_polygon, max=POLYGON_POINTS_MAX)
    return mapping(shapely.normalize(polygon)), None, None


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def covers(announcement: Announcement, latitude: float, longitude: float) -> bool:
    """Whether the point lies in `announcement`'s area (its edge included)."""
    geometry = announcement.geometry
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"]
        return _distance_m(lat, lon, latitude, longitude) <= (announcement.radius_m or 0)
    return shape(geometry).intersects(shapely.Point(longitude, latitude))


def bounds(announcement: Announcement) -> tuple[float, float, float, float]:
    """(min lat, min lon, max lat, max lon) around `announcement`'s area."""
    geometry = announcement.geometry
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"]
        radius = announcement.radius_m or 0
        dlat = radius / METRES_PER_DEGREE
        dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        return lat - dlat, lon - dlon, lat + dlat, lon + dlon
    min_lon, min_lat, max_lon, max_lat = shape(geometry).bounds
    return min_lat, min_lon, max_lat, max_lon


def post(
    session: Session,
    settings: Settings,
    *,
    actor: User,
    agency_code: str,
    category_code: str | None,
    text: str,
    area: AreaInput,
    starts_at: datetime | None,
    ends_at: datetime,
) -> tuple[Announcement, int]:
    """Store an announcement and tell the residents of its area, in the caller's transaction;
    returns it and how many residents are told. `starts_at` None is now."""
    agency = session.exec(select(Agency).where(Agency.code == agency_code, Agency.active)).first()
    if agency is None:
        raise AnnouncementError(Refusal.unknown_agency)
    if not may_announce(actor, agency.id):
        raise AnnouncementError(Refusal.not_allowed)
    category = None
    if category_code:
        category = session.exec(
            select(Category).where(
                Category.code == category_code, Category.agency_id == agency.id, Category.active
            )
        ).first()
        if category is None:
            raise AnnouncementError(Refusal.unknown_category)
    text = " ".join(text.split())
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise AnnouncementError(Refusal.text_length, min=TEXT_MIN, max=TEXT_MAX)
    geometry, service_area_id, radius = _area(session, area)
    now = utcnow()
    starts_at = max(starts_at or now, now)
    if ends_at <= starts_at:
        raise AnnouncementError(Refusal.bad_window)
    if ends_at - starts_at > LONGEST:
        raise AnnouncementError(Refusal.too_long, days=LONGEST.days)
    announcement = Announcement(
        agency_id=agency.id,
        category_id=category.id if category else None,
        text=text,
        area_kind=area.kind,
        service_area_id=service_area_id,
        geometry=geometry,
        radius_m=radius,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor.id,
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    told = tell_residents(session, settings, announcement, agency)
    raise_announcement(session, announcement, agency)
    return announcement, told


def _find(session: Session, announcement_id: int) -> Announcement:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementError(Refusal.not_found)
    return announcement


def cancel(session: Session, *, actor: User, announcement_id: int) -> Announcement:
    """End an announcement now, in the caller's transaction. Its linked cases stay as they are."""
    announcement = _find(session, announcement_id)
    if not may_announce(actor, announcement.agency_id):
        raise AnnouncementError(Refusal.not_allowed)
    now = utcnow()
    if announcement.cancelled_at is not None or announcement.ends_at <= now:
        raise AnnouncementError(Refusal.already_over)
    announcement.cancelled_at, announcement.cancelled_by = now, actor.id
    session.add(announcement)
    return announcement


def service_areas(session: Session, language: str) -> list[tuple[int, str]]:
    """The active service areas an announcement may cover, (id, "name (agency)"), by name."""
    english = language_of(language) == "en"
    rows = session.exec(
        select(ServiceArea, Agency)
        .join(Agency, col(Agency.id) == ServiceArea.agency_id)
        .where(ServiceArea.active)
    ).all()
    named = [(a.id, f"{a.name} ({g.name_en if english else g.name})") for a, g in rows]
    return sorted(named, key=lambda item: item[1].casefold())


def areas_bounds(session: Session) -> tuple[float, float, float, float] | None:
    """(min lat, min lon, max lat, max lon) around every active service area, where the
    console's map opens; None without areas."""
    shapes = [
        shape(a.geometry) for a in session.exec(select(ServiceArea).where(ServiceArea.active))
    ]
    if not shapes:
        return None
    min_lon, min_lat, max_lon, max_lat = shapely.GeometryCollection(shapes).bounds
    return min_lat, min_lon, max_lat, max_lon


def _residents(session: Session, announcement: Announcement) -> list[tuple[Contact, str]]:
    """Who hears of `announcement`, each once with their language: the reporters of open cases
    located in its area (who want updates and were not erased) and those cases' followers."""
    min_lat, min_lon, max_lat, max_lon = bounds(announcement)
    cases = session.exec(
        select(Case)
        .where(
            col(Case.status).in_(OPEN_STATUSES),
            col(Case.latitude).between(min_lat, max_lat),
            col(Case.longitude).between(min_lon, max_lon),
        )
        .order_by(col(Case.id))
    ).all()
    inside = [c for c in cases if covers(announcement, c.latitude, c.longitude)]
    found: dict[int, str] = {}
    for case in inside:
        if case.notify and case.contact_id is not None and case.reporter_erased_at is None:
            found.setdefault(case.contact_id, case.language)
    if inside:
        for subscriber in session.exec(
            select(CaseSubscriber)
            .where(col(CaseSubscriber.case_id).in_([c.id for c in inside]))
            .order_by(col(CaseSubscriber.id))
        ):
            found.setdefault(subscriber.contact_id, subscriber.language)
    return [(session.get(Contact, contact_id), language) for contact_id, language in found.items()]


def tell_residents(
    session: Session, settings: Settings, announcement: Announcement, agency: Agency
) -> int:
    """Queue the announcement for every resident of its area (see `_residents`); how many."""
    now = utcnow()
    residents = _residents(session, announcement)
    for contact, language in residents:
        language = language_of(language)
        message = announcement_message(
            language,
            reference=f"PENGUMUMAN-{announcement.id}",
            agency=agency.name_en if language == "en" else agency.name,
            text=announcement.text,
            until=window_words(settings, announcement, language, now),
            map_url=f"{settings.public_base_url}{MAP_PATHS[language]}",
        )
        queue_messages(session, contact=contact, case_id=None, message=message)
    return len(residents)


def _moment(settings: Settings, moment: datetime, language: str, now: datetime) -> str:
    """ "18:00" today, else "6 Desember 18:00", in the city's time."""
    zone = ZoneInfo(settings.city_timezone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return time
    return f"{day_in_words(local.date(), language, today=today, weekday=False)} {time}"


def window_words(
    settings: Settings, announcement: Announcement, language: str, now: datetime
) -> str:
    """When `announcement` holds, in `language`: "sampai 18:00", or "mulai ... sampai ..." when
    it has not started yet."""
    language = language_of(language)
    t = translator(language)
    end = _moment(settings, announcement.ends_at, language, now)
    if announcement.starts_at <= now:
        return t.gettext(UNTIL, moment=end)
    start = _moment(settings, announcement.starts_at, language, now)
    return t.gettext(FROM_UNTIL, start=start, end=end)


def active(session: Session, now: datetime, *, agency_id: int | None = None) -> list[Announcement]:
    """The announcements holding at `now` (started, not ended, not cancelled), newest first."""
    query = select(Announcement).where(
        Announcement.starts_at <= now,
        Announcement.ends_at > now,
        col(Announcement.cancelled_at).is_(None),
    )
    if agency_id is not None:
        query = query.where(Announcement.agency_id == agency_id)
    return list(session.exec(query.order_by(col(Announcement.id).desc())))


# moved by every announcement posted or cancelled; asked at most once a second per process
_version = CachedVersion(
    sa.select(
        sa.func.count(Announcement.id),
        sa.func.max(Announcement.id),
        sa.func.count(Announcement.cancelled_at),
    ),
    Announcement,
)
# how long before the moment it was read an announcement kept in memory may have ended: a
# complaint received a little before another one was read still finds what held for it
_KEPT_ENDED = timedelta(days=1)


@dataclass(frozen=True)
class _Unfinished:
    version: tuple
    since: datetime
    announcements: tuple[Announcement, ...]


# per database: the announcements not cancelled that end after `since`, newest first
_unfinished: dict[sa.Engine, _Unfinished] = {}


def _unfinished_at(session: Session, now: datetime) -> tuple[Announcement, ...]:
    """The announcements that may hold at `now`, newest first: read once per version of the
    announcements (a post or cancel by this process is seen at once, by another within a
    second: core/versions.py), as copies no session holds, shared by every request.

    A query per located complaint, for a table that nearly always holds none that apply, was
    one of the costliest steps of intake."""
    engine = session.get_bind().engine
    version = (_version(session), _version.generation)
    kept = _unfinished.get(engine)
    if kept is None or kept.version != version or now < kept.since:
        since = now - _KEPT_ENDED
        query = select(Announcement).where(
            Announcement.ends_at > since, col(Announcement.cancelled_at).is_(None)
        )
        found = session.exec(query.order_by(col(Announcement.id).desc()))
        copies = tuple(Announcement(**announcement.model_dump()) for announcement in found)
        kept = _unfinished[engine] = _Unfinished(version, since, copies)
    return kept.announcements


def for_new_case(
    session: Session,
    *,
    agency_id: int | None,
    category_id: int | None,
    latitude: float | None,
    longitude: float | None,
    now: datetime,
) -> Announcement | None:
    """The active announcement a new complaint of `agency_id` and `category_id` at the point
    is about (its category, or any when it names none, and its area); the newest if several.
    A copy shared between requests: read it, never change it."""
    if agency_id is None or latitude is None or longitude is None:
        return None
    for announcement in _unfinished_at(session, now):
        if announcement.agency_id != agency_id or announcement.category_id not in (
            None,
            category_id,
        ):
            continue
        holds = announcement.starts_at <= now < announcement.ends_at
        if holds and covers(announcement, latitude, longitude):
            return announcement
    return None


def known_problem_sentence(
    settings: Settings, announcement: Announcement, language: str, now: datetime
) -> str:
    """The acknowledgement's sentence naming the announcement, in `language`."""
    language = language_of(language)
    text = announcement.text.rstrip(" .")
    until = window_words(settings, announcement, language, now)
    return translator(language).gettext(KNOWN_PROBLEM, text=text, until=until)
