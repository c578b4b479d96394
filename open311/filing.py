"""A partner's Open311 POSTs: a new service request filed through intake, and mySociety's
`servicerequestupdates` (a resident's further words on a case).

The form is read as FixMyStreet's Open311 client posts it (perllib/Open311.pm): `api_key`,
`jurisdiction_id` (ignored: one city per installation), `service_code`, `lat` + `long` or
`address_string` or `address_id`, `description`, `attribute[code]` (and `attribute[code][]`
for a list; checked as open311/attributes.py says), `media_url` (repeatable), `email`,
`first_name`, `last_name`, `phone`, `device_id`, `account_id`. Every refusal is an
`Open311Error` (400, 403, 404) or `PostLimited` (429), raised before anything is stored.

`media_url` is kept as a link in the case's staff-only history, not fetched: the web process
would otherwise fetch any address a partner names (a request forgery into the city's own
network) while the partner waits. Attributes, `device_id` and `account_id` go in the same
staff-only entry; the complaint's text is the description alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from limits.errors import StorageError
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlmodel import Session, select

from cases import resident
from cases.citizen import referral_where
from cases.codes import track_url
from cases.enums import EventKind, SourceChannel
from cases.lifecycle import record_event
from cases.models import Case
from cases.resident import NOTE_MAX_CHARS
from cases.service import find_by_code
from cases.transitions import Party
from core.db import insert_on_conflict, utcnow
from core.i18n import N_, translator
from core.ratelimit import rate_limit
from core.settings import Settings
from core.text import storable
from intake.limits import contact_sender
from intake.messages import MAX_TEXT_CHARS, InboundMessage, Location, ReplyAddress
from intake.models import PartnerKey, PartnerUpdate
from intake.phone import normalise_phone
from intake.service import IntakeError, IntakeLimited, IntakeResult, receive
from notifications.enums import Channel, MessageKind
from notifications.templates import render
from open311.attributes import Answers, checked_answers
from open311.formats import Open311Error
from routing.models import Category

log = logging.getLogger(__name__)

FIELD_MAX = 500
ID_MAX = 128
URL_MAX = 2000
MEDIA_URLS_MAX = 10
ATTRIBUTES_MAX = 50
KEY_WINDOW_SECONDS = 3600
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_EMAIL = TypeAdapter(EmailStr)
SERVICE_NOTICE = N_("Aduan diterima dengan kode %(code)s dan diteruskan ke %(agency)s.")
TRIAGE_NOTICE = N_("Aduan diterima dengan kode %(code)s.")


class Posted(Protocol):
    """A posted form as Starlette reads it: each name may come more than once."""

    def getlist(self, key: str) -> list[object]: ...

    def __iter__(self) -> Iterator[str]: ...


class PostLimited(Exception):
    """Too many posts: of this key within the hour, or of this resident (INTAKE_LIMIT_PER_HOUR)."""

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.description, self.retry_after = description, retry_after


@dataclass(frozen=True)
class ServiceRequest:
    """A POST requests form, checked."""

    service_code: str
    description: str
    location: Location | None
    address: str | None
    reply_to: ReplyAddress | None
    name: str | None
    account_id: str | None
    attributes: Answers
    # what staff see in the history besides the attributes: media_url, device_id, account_id
    details: list[str]


def _one(form: Posted, name: str, limit: int = FIELD_MAX) -> str | None:
    """The field `name` stripped, or None when missing or blank; 400 for a file, a repeated
    field, a too-long or an unstorable value."""
    values = form.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise Open311Error(400, f"{name} was given more than once")
    value = values[0]
    if not isinstance(value, str):
        raise Open311Error(400, f"{name} must be text, not a file")
    value = value.strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} must have at most {limit} characters")
    if not storable(value):
        raise Open311Error(400, f"{name} holds a character that cannot be stored")
    return value or None


def _texts(form: Posted, name: str, limit: int) -> list[str]:
    values = form.getlist(name)
    if not all(isinstance(value, str) for value in values):
        raise Open311Error(400, f"{name} must be text, not a file")
    texts = [value.strip() for value in values if isinstance(value, str) and value.strip()]
    if any(len(text) > limit or not storable(text) for text in texts):
        raise Open311Error(400, f"each {name} must be at most {limit} storable characters")
    return texts


def _coordinate(form: Posted, name: str, bound: float) -> float | None:
    text = _one(form, name, 40)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number in decimal degrees") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Open311Error(400, f"{name} must be between -{bound:g} and {bound:g}")
    return value


def _place(form: Posted) -> tuple[Location | None, str | None]:
    """The complaint's point and address text; 400 without `lat`+`long`, `address_string`
    or `address_id`."""
    lat, long = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "give both lat and long, or neither")
    address = _one(form, "address_string") or _one(form, "address_id")
    if lat is None and address is None:
        raise Open311Error(400, "give a location: lat and long, address_string or address_id")
    return (Location(lat, long) if lat is not None and long is not None else None), address


def _contact(form: Posted) -> tuple[ReplyAddress | None, str | None]:
    """Where the resident is told (e-mail if given, else SMS) and their name."""
    email, phone = _one(form, "email", 254), _one(form, "phone", 40)
    if email is not None:
        try:
            email = str(_EMAIL.validate_python(email))
        except ValidationError:
            raise Open311Error(400, "email is not an e-mail address") from None
    if phone is not None:
        try:
            phone = normalise_phone(phone)
        except ValueError as exc:
            raise Open311Error(400, f"phone: {exc}") from None
    names = [_one(form, "first_name", 100), _one(form, "last_name", 100)]
    name = " ".join(part for part in names if part and part != "-") or None
    if email is not None:
        return ReplyAddress(Channel.email, email), name
    if phone is not None:
        return ReplyAddress(Channel.sms, phone), name
    return None, name


def _attributes(form: Posted) -> Answers:
    """`attribute[code]=value` (and `attribute[code][]` per entry of a list), by code."""
    answers: Answers = {}
    for name in dict.fromkeys(form):
        if match := _ATTRIBUTE.match(name):
            answers.setdefault(match.group(1), []).extend(_texts(form, name, FIELD_MAX))
    if len(answers) > ATTRIBUTES_MAX:
        raise Open311Error(400, f"at most {ATTRIBUTES_MAX} attributes")
    return answers


def read_request(form: Posted) -> ServiceRequest:
    """The POST requests form, checked; Open311Error 400 naming what is wrong."""
    service_code = _one(form, "service_code", 64)
    if service_code is None:
        raise Open311Error(400, "service_code is required")
    description = _one(form, "description", MAX_TEXT_CHARS)
    if description is None:
        raise Open311Error(400, "description is required")
    location, address = _place(form)
    reply_to, name = _contact(form)
    media = _texts(form, "media_url", URL_MAX)
    if len(media) > MEDIA_URLS_MAX:
        raise Open311Error(400, f"at most {MEDIA_URLS_MAX} media_url")
    if any(not url.startswith(("https://", "http://")) for url in media):
        raise Open311Error(400, "media_url must be an http or https address")
    account_id, device_id = _one(form, "account_id", ID_MAX), _one(form, "device_id", ID_MAX)
    details = [
        *(f"media_url: {url}" for url in media),
        *([f"device_id: {device_id}"] if device_id else []),
        *([f"account_id: {account_id}"] if account_id else []),
    ]
    return ServiceRequest(
        service_code,
        description,
        location,
        address,
        reply_to,
        name,
        account_id,
        _attributes(form),
        details,
    )


def service_of(session: Session, key: PartnerKey, code: str) -> Category:
    """The active category `code` names; 404 for none, 403 when `key` may not file into it."""
    category = session.exec(select(Category).where(Category.code == code)).first()
    if category is None or not category.active:
        raise Open311Error(404, f"service_code {code!r} not found")
    if not key.may_file_into(code):
        raise Open311Error(403, f"this api_key may not file into service {code!r}")
    return category


def count_post(settings: Settings, key: PartnerKey) -> None:
    """Count one post of `key`; PostLimited when it has made OPEN311_POSTS_PER_KEY_PER_HOUR
    within the hour. Fails open, as intake's limits do, when Redis is down."""
    amount = settings.open311_posts_per_key_per_hour
    if not amount:
        return
    limit = rate_limit(settings, "open311-key", amount, KEY_WINDOW_SECONDS)
    try:
        wait = limit.take(str(key.id))
    except StorageError as exc:
        log.warning("Open311 post not counted against its key's limit, Redis unavailable: %s", exc)
        return
    if wait:
        raise PostLimited(f"this api_key may post at most {amount} times an hour", wait)


def file_request(
    session: Session, settings: Settings, key: PartnerKey, form: Posted
) -> tuple[IntakeResult, ServiceRequest]:
    """File the posted request through intake, into the service it names, and commit."""
    posted = read_request(form)
    category = service_of(session, key, posted.service_code)
    answers = checked_answers(category.attributes, posted.attributes)
    message = InboundMessage(
        channel=SourceChannel.open311,
        text=posted.description,
        reply_to=posted.reply_to,
        name=posted.name,
        language=settings.default_language,
        location=posted.location,
        address=posted.address,
        category_code=posted.service_code,
    )
    try:
        result = receive(session, settings, message, sender=contact_sender(posted.reply_to))
    except IntakeLimited as exc:
        raise PostLimited(str(exc), exc.refusal.retry_after) from exc
    except IntakeError as exc:
        raise Open311Error(400, str(exc)) from exc
    lines = [f"Open311 · {key.name}", *answers, *posted.details]
    record_event(
        session,
        result.case,
        EventKind.note,
        actor=None,
        actor_label=Party.system,
        internal_note="\n".join(lines)[:NOTE_MAX_CHARS],
    )
    session.commit()
    return result, posted


def service_notice(settings: Settings, result: IntakeResult) -> str:
    """What the partner may tell the resident: the tracking code and where it went; for a
    body outside the city, the words the resident is sent with where to go."""
    case, agency = result.case, result.agency
    words = translator(case.language)
    if agency is None:
        return words.gettext(TRIAGE_NOTICE, code=case.tracking_code)
    name = agency.name_en if case.language == "en" else agency.name
    if agency.is_referral:
        return render(
            MessageKind.referred,
            case.language,
            code=case.tracking_code,
            track_url=track_url(settings, case.tracking_code),
            agency=name,
            where=referral_where(agency, case.language),
        )
    return words.gettext(SERVICE_NOTICE, code=case.tracking_code, agency=name)


def post_update(session: Session, settings: Settings, key: PartnerKey, form: Posted) -> int:
    """A resident's update on a case, posted by a partner: stored as the resident's words (an
    answer when the case waits for one, else a note, as a chat message would be) and
    committed; returns its update_id. A repeat of the partner's `update_id` returns the first.

    `status`, `updated_datetime` and the updater's contact fields are read but not used: a
    partner cannot move a case, and the reporter is told through their own contact.
    """
    code = _one(form, "service_request_id", 64)
    if code is None:
        raise Open311Error(400, "service_request_id is required")
    description = _one(form, "description", NOTE_MAX_CHARS)
    if description is None:
        raise Open311Error(400, "description is required")
    external_id = _one(form, "update_id", ID_MAX)
    media = _texts(form, "media_url", URL_MAX)
    case = find_by_code(session, code)
    if case is None:
        raise Open311Error(404, f"service_request_id {code!r} not found")
    category = session.get(Category, case.category_id) if case.category_id else None
    if category is None or not key.may_file_into(category.code):
        raise Open311Error(403, "this api_key may not post updates on this service request")
    if external_id is not None and (known := _update_of(session, key, external_id)) is not None:
        return known
    update_id = _insert_update(session, key, case, external_id)
    if update_id is None:  # the same update_id, posted at the same time
        return _update_of(session, key, external_id or "")  # type: ignore[return-value]
    words = "\n\n".join([description, *(f"media_url: {url}" for url in media)])
    resident.answer(session, settings, case, words)
    session.commit()
    return update_id


def _update_of(session: Session, key: PartnerKey, external_id: str) -> int | None:
    return session.exec(
        select(PartnerUpdate.id).where(
            PartnerUpdate.key_id == key.id, PartnerUpdate.external_id == external_id
        )
    ).first()


def _insert_update(
    session: Session, key: PartnerKey, case: Case, external_id: str | None
) -> int | None:
    insert = insert_on_conflict(session.get_bind().dialect.name, PartnerUpdate.__table__)
    statement = (
        insert.values(key_id=key.id, external_id=external_id, case_id=case.id, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(PartnerUpdate.__table__.c.id)
    )
    return session.connection().execute(statement).scalar()
