"""Partners' webhook endpoints, and the signed events queued for them in the outbox.

An endpoint is sent the events it subscribed to, about the agencies it chose (all when none),
as outbox rows (`Notification.endpoint_id`) that the same jobs deliver as residents' messages:
claimed with a lease, retried after `NOTIFY_RETRY_DELAYS`, one case's events to one endpoint in
the order they happened (the row's `reference` is the case's tracking code). The channel that
sends them (bots/webhook/) signs each body per the Standard Webhooks spec with the endpoint's
secret.

An endpoint whose attempts fail `WEBHOOK_PAUSE_AFTER_FAILURES` times in a row is paused: its
rows not yet sent are held (`NotificationStatus.held`), the active admins with an e-mail address
are told, and nothing goes to it until an admin resumes it; its held rows then go out, oldest
first.

The body is JSON: {"type": event, "timestamp": ISO-8601, "data": {"schema_version": 1, ...}};
what `data` holds is decided by the domain that raises the event (cases/webhooks.py), in a
trusted and an untrusted version.

The secret signs every delivery, so it is stored as it is: it is shown once, when the endpoint
is registered, and never logged, listed or shown again. Endpoint URLs are logged and shown
without their query string and user part, which may carry a partner's own token.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import after_commit, utcnow
from core.i18n import N_, translator
from core.settings import Settings
from notifications.channels import DeliveryError, SendResult
from notifications.enums import MessageKind, NotificationStatus
from notifications.messages import written_message
from notifications.models import Notification, WebhookEndpoint
from notifications.service import queue_staff_message
from routing.models import Agency
from staff.enums import Role
from staff.models import User

log = logging.getLogger(__name__)

# the outbox rows' `channel` for webhook deliveries (bots/webhook/ sends them)
WEBHOOK_CHANNEL = "webhook"
# `data.schema_version` of every body: raised when a field changes meaning or goes away (a new
# field does not raise it)
SCHEMA_VERSION = 1
URL_MAX = 2000
# the endpoint's delivery log in the console shows this many rows, newest first
LOG_ROWS = 50

PAUSED_TEXT = N_(
    "Endpoint webhook %(id)s (%(url)s) dijeda setelah %(count)s kali gagal berturut-turut. "
    "Kesalahan terakhir: %(error)s. Peristiwa untuknya ditahan dan dikirim, berurutan, setelah "
    "admin melanjutkannya di konsol: %(link)s"
)


class Event(StrEnum):
    """What an endpoint can subscribe to."""

    case_created = "case.created"
    case_status_changed = "case.status_changed"
    case_forwarded = "case.forwarded"
    case_note_public = "case.note_public"
    case_merged = "case.merged"
    announcement_published = "announcement.published"


class WebhookRefusal(StrEnum):
    bad_url = "bad_url"
    no_events = "no_events"
    unknown_event = "unknown_event"
    unknown_agency = "unknown_agency"
    not_found = "not_found"
    not_sent_yet = "not_sent_yet"


class WebhookError(Exception):
    """A refused endpoint change; `reason` names it, `params` fill its wording."""

    def __init__(self, reason: WebhookRefusal, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


def shown_url(url: str) -> str:
    """The URL as logs, pages and e-mails show it: without user part, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_url(url: str) -> str:
    """`url` stripped, if it is an absolute http(s) URL; WebhookError otherwise."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(url) > URL_MAX
        or any(c.isspace() for c in url)
    ):
        raise WebhookError(
            WebhookRefusal.bad_url,
            f"{url[:100]!r} is not an http:// or https:// URL of at most {URL_MAX} characters",
            url=url[:100],
            max=URL_MAX,
        )
    return url


def check_events(names: Iterable[str]) -> list[str]:
    """The event names, each known, at least one, without repeats."""
    events = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not events:
        raise WebhookError(WebhookRefusal.no_events, "choose at least one event")
    for name in events:
        if name not in Event.__members__.values():
            choices = ", ".join(Event)
            raise WebhookError(
                WebhookRefusal.unknown_event,
                f"unknown event {name!r}; choose from: {choices}",
                event=name[:40],
                choices=choices,
            )
    return events


def _check_agencies(session: Session, codes: Iterable[str]) -> list[str]:
    agencies = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    known = set(session.exec(select(Agency.code).where(col(Agency.code).in_(agencies))))
    for code in agencies:
        if code not in known:
            raise WebhookError(
                WebhookRefusal.unknown_agency, f"unknown agency {code!r}", agency=code[:20]
            )
    return agencies


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: whsec_ and 24 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def add_endpoint(
    session: Session,
    *,
    url: str,
    events: Iterable[str],
    agencies: Iterable[str] = (),
    trusted: bool = False,
) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret, in the caller's transaction; the caller shows
    its `secret` once and never again."""
    endpoint = WebhookEndpoint(
        url=check_url(url),
        events=check_events(events),
        agencies=_check_agencies(session, agencies),
        trusted=trusted,
        secret=new_secret(),
    )
    session.add(endpoint)
    session.flush()
    log.info(
        "webhook endpoint %s registered for %s (%s)",
        endpoint.id,
        shown_url(endpoint.url),
        ",".join(endpoint.events),
    )
    return endpoint


def all_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint; WebhookError not_found if there is none."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookError(
            WebhookRefusal.not_found, f"no webhook endpoint {endpoint_id}", id=endpoint_id
        )
    return endpoint


def remove_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """Delete the endpoint and its delivery log (rows not sent yet are dropped with it)."""
    endpoint = get_endpoint(session, endpoint_id)
    session.execute(sa.delete(Notification).where(col(Notification.endpoint_id) == endpoint.id))
    session.delete(endpoint)
    session.flush()
    log.info("webhook endpoint %s (%s) removed", endpoint.id, shown_url(endpoint.url))
    return endpoint


def listening(session: Session, event: Event) -> list[WebhookEndpoint]:
    """The endpoints sent `event`, whatever the agency: one small query, and none of the
    event's own work is needed when this is empty (most cities have no endpoint at all)."""
    return [endpoint for endpoint in all_endpoints(session) if event in endpoint.events]


def for_agency(
    endpoints: Iterable[WebhookEndpoint], agency_code: str | None
) -> list[WebhookEndpoint]:
    """Those of `endpoints` that take events about `agency_code`'s cases and announcements."""
    return [e for e in endpoints if not e.agencies or agency_code in e.agencies]


def subscribed(session: Session, event: Event, agency_code: str | None) -> list[WebhookEndpoint]:
    """The endpoints sent `event` about `agency_code`'s case or announcement."""
    return for_agency(listening(session, event), agency_code)


def body(event: Event, data: Mapping[str, object], now: datetime) -> str:
    """The JSON a delivery carries."""
    envelope = {
        "type": str(event),
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": {"schema_version": SCHEMA_VERSION, **data},
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str)


def queue_event(
    session: Session,
    *,
    endpoints: Iterable[WebhookEndpoint],
    event: Event,
    reference: str,
    trusted: Mapping[str, object],
    untrusted: Mapping[str, object] | None,
) -> list[int]:
    """Queue `event` for each of `endpoints`, in the caller's transaction: the `trusted` data
    to trusted endpoints, `untrusted` to the others (None: not sent to them). `reference` is
    what the event is about (a case's tracking code): one endpoint's events with the same
    reference go out in the order they were queued. Returns the rows' ids."""
    now = utcnow()
    rows = []
    for endpoint in endpoints:
        data = trusted if endpoint.trusted else untrusted
        if data is None:
            continue
        rows.append(
            {
                "endpoint_id": endpoint.id,
                "contact_id": None,
                "user_id": None,
                "case_id": None,  # the case's page lists residents' messages, not these
                "reference": reference,
                "kind": str(event),
                "channel": WEBHOOK_CHANNEL,
                "language": "id",
                "body": body(event, data, now),
                "subject": str(event),
                "variables": None,
                "attachment_id": None,
                "status": NotificationStatus.held
                if endpoint.paused_at
                else NotificationStatus.pending,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    if not rows:
        return []
    session.flush()
    ids = list(session.connection().execute(_INSERT, rows).scalars())
    pending = [i for i, row in zip(ids, rows, strict=True) if row["status"] == "pending"]
    after_commit(session, pending)
    return ids


_INSERT = sa.insert(Notification.__table__).returning(
    Notification.__table__.c.id, sort_by_parameter_order=True
)


def record_success(endpoint: WebhookEndpoint, result: SendResult) -> None:
    """A delivery went through: the endpoint's count of failures starts again."""
    endpoint.consecutive_failures = 0
    endpoint.last_attempt_at = utcnow()
    endpoint.last_status = result.provider_id[:32]
    endpoint.last_error = None


def record_failure(
    session: Session, settings: Settings, endpoint: WebhookEndpoint, error: DeliveryError
) -> None:
    """An attempt failed; the one that makes `WEBHOOK_PAUSE_AFTER_FAILURES` in a row pauses
    the endpoint. The channel's reasons start with the outcome ("503: ...", "timeout: ...")."""
    reason = str(error)
    endpoint.consecutive_failures += 1
    endpoint.last_attempt_at = utcnow()
    endpoint.last_status = reason.partition(":")[0][:32]
    endpoint.last_error = reason[:2000]
    session.add(endpoint)
    if (
        endpoint.paused_at is None
        and endpoint.consecutive_failures >= settings.webhook_pause_after_failures
    ):
        pause(session, settings, endpoint)


def pause(session: Session, settings: Settings, endpoint: WebhookEndpoint) -> None:
    """Hold the endpoint's rows not yet sent and tell the admins, in the caller's transaction."""
    endpoint.paused_at = utcnow()
    session.add(endpoint)
    session.execute(
        sa.update(Notification)
        .where(
            col(Notification.endpoint_id) == endpoint.id,
            col(Notification.status) == NotificationStatus.pending,
        )
        .values(status=NotificationStatus.held, lease_until=None)
        .execution_options(synchronize_session="fetch")
    )
    log.warning(
        "webhook endpoint %s (%s) paused after %s failed attempts in a row",
        endpoint.id,
        shown_url(endpoint.url),
        endpoint.consecutive_failures,
    )
    language = settings.default_language
    link = f"{settings.public_base_url.rstrip('/')}/console/admin/webhooks/{endpoint.id}"
    text = translator(language).gettext(
        PAUSED_TEXT,
        id=endpoint.id,
        url=shown_url(endpoint.url),
        count=endpoint.consecutive_failures,
        error=(endpoint.last_error or "-")[:300],
        link=link,
    )
    message = written_message(
        MessageKind.webhook_paused, language, reference=f"webhook-{endpoint.id}", body=text
    )
    admins = session.exec(
        select(User).where(User.role == Role.admin, User.active, col(User.email).is_not(None))
    )
    for admin in admins:
        queue_staff_message(session, user=admin, case_id=None, message=message)


def resume(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """Deliver to the endpoint again: its held rows go out, oldest first, each with all its
    tries again."""
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.paused_at = None
    endpoint.consecutive_failures = 0
    session.add(endpoint)
    held = list(
        session.exec(
            select(Notification.id).where(
                Notification.endpoint_id == endpoint.id,
                Notification.status == NotificationStatus.held,
            )
        )
    )
    _requeue(session, held)
    log.info("webhook endpoint %s resumed with %s held events", endpoint.id, len(held))
    return endpoint


def _requeue(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    session.execute(
        sa.update(Notification)
        .where(col(Notification.id).in_(ids))
        .values(
            status=NotificationStatus.pending,
            attempts=0,
            next_attempt_at=utcnow(),
            lease_until=None,
            sent_at=None,
            failed_at=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    after_commit(session, ids)


def send_again(session: Session, endpoint_id: int, notification_id: int) -> Notification:
    """Deliver one of the endpoint's events again, with the same webhook-id (a receiver that
    already has it can tell), whether it went out or failed; one not sent yet is refused."""
    endpoint = get_endpoint(session, endpoint_id)
    row = session.get(Notification, notification_id)
    if row is None or row.endpoint_id != endpoint.id:
        raise WebhookError(
            WebhookRefusal.not_found,
            f"endpoint {endpoint.id} has no delivery {notification_id}",
            id=notification_id,
        )
    if row.status not in (
        NotificationStatus.sent,
        NotificationStatus.delivered,
        NotificationStatus.failed,
    ):
        raise WebhookError(
            WebhookRefusal.not_sent_yet,
            f"delivery {row.id} is {row.status}: it goes out by itself",
            id=row.id,
        )
    if endpoint.paused_at is not None:
        row.status = NotificationStatus.held
        session.add(row)
        return row
    _requeue(session, [row.id])
    session.refresh(row)
    return row


def deliveries(session: Session, endpoint_id: int, limit: int = LOG_ROWS) -> list[Notification]:
    """The endpoint's delivery log, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.endpoint_id == endpoint_id)
            .order_by(col(Notification.id).desc())
            .limit(limit)
        )
    )


def forget_reporters(session: Session, references: Iterable[str]) -> int:
    """Take the reporter out of the stored events about the cases `references` (tracking
    codes), whose reporter's contact details are being erased, in the caller's transaction: an
    event not sent yet goes out without them, and the delivery log keeps none. Returns how many
    events held them."""
    codes = list(references)
    if not codes:
        return 0
    rows = session.exec(
        select(Notification).where(
            col(Notification.endpoint_id).is_not(None), col(Notification.reference).in_(codes)
        )
    )
    changed = 0
    for row in rows:
        envelope = json.loads(row.body)
        if envelope["data"].get("reporter"):
            envelope["data"]["reporter"] = None
            row.body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
            session.add(row)
            changed += 1
    return changed
