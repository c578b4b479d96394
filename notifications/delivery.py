"""Delivery attempts of outbox rows: claim them, send them, record what happened.

Every path that sends (an RQ job, the embedded thread) goes through `deliver`, so the
claim-with-lease rule that stops double sends holds whoever runs it. The lease is short and
renewed by the process's heartbeat while it lives (`notifications.lease`): a dead sender's rows
are claimable again within NOTIFY_LEASE_SECONDS, a live one's never.

One recipient's messages about one case (same contact or staff user, and same reference) go out
in the order they were written: one is not claimed while an earlier one is still pending or being
sent. That keeps the parts of a split message in order, and a status change from overtaking an
earlier one that waits for its retry (the resident would read "resolved" before "in progress").
Among the rows one delivery holds, a recipient's messages about different cases also keep their
order within it: a later one waits for an earlier one that waits a pass for its own case's.

A contact the channel marked unreachable (the citizen blocked the bot) is not tried: its rows fail
at once, without a call to the provider, until the citizen writes again. A staff user is reached
at the e-mail address of their account when the row is sent; a deactivated account or one
without an address fails the row at once, with that reason (`notifications.recipients`).
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, or_, select

from core import metrics
from core.db import Dispatcher, UTCDateTime, open_session, utcnow
from core.settings import Settings
from notifications import webhooks
from notifications.channels import (
    Channel,
    Channels,
    DeliveryError,
    OutboundMessage,
    OutboundPhoto,
    SendResult,
)
from notifications.enums import NotificationStatus
from notifications.lease import Lease, heartbeat
from notifications.models import Contact, Notification, WebhookEndpoint
from notifications.photos import outbound_photos, with_photo_link
from notifications.recipients import (
    ERASED,
    Recipient,
    contact_recipient,
    endpoint_recipient,
    staff_recipient,
    unreachable_reason,
)
from staff.models import User

log = logging.getLogger(__name__)
# rows claimed together: a claim is shared by as many messages
CLAIM_SIZE = 20


class Outcome(StrEnum):
    sent = "sent"
    retry = "retry"
    failed = "failed"
    skipped = "skipped"


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    retry_at: datetime | None = None


def claimable(
    due: datetime | sa.BindParameter[datetime],
    lease_ended: datetime | sa.BindParameter[datetime],
    table: type[Notification] = Notification,
) -> sa.ColumnElement[bool]:
    """Rows of `table` (the outbox, or an alias of it) due for an attempt: pending and due by
    `due`, or claimed by a sender whose lease ended before `lease_ended`."""
    return or_(
        sa.and_(table.status == NotificationStatus.pending, table.next_attempt_at <= due),
        sa.and_(table.status == NotificationStatus.sending, table.lease_until < lease_ended),
    )


def _claim(
    session: Session, notification_ids: list[int], settings: Settings
) -> tuple[list[int], datetime]:
    """Claims every row among `notification_ids` that is due and not waiting for an earlier one
    (about its case, or among these, see `_earlier_waiting_among`), with one lease for all of
    them; returns their ids and the lease's end."""
    now = utcnow()
    lease_until = now + timedelta(seconds=settings.notify_lease_seconds)
    parameters = {"notification_ids": notification_ids, "now": now, "lease_until": lease_until}
    claimed = list(session.connection().execute(_CLAIM, parameters).scalars())
    session.commit()
    return claimed, lease_until


def _earlier_unsent(earlier: type[Notification], later: type[Notification]) -> list:
    """Conditions for `earlier` being a message to the same recipient about the same case,
    written before `later` and not gone out yet; both are the table, one of them aliased.

    A row has either a contact or a user, so an equality holds only between rows of the same
    kind of recipient (NULL equals nothing), and each side of the OR keeps its index."""
    return [
        sa.or_(
            earlier.contact_id == later.contact_id,
            earlier.user_id == later.user_id,
            earlier.endpoint_id == later.endpoint_id,
        ),
        earlier.reference == later.reference,
        earlier.id < later.id,
        earlier.status.in_(
            [NotificationStatus.pending, NotificationStatus.sending, NotificationStatus.held]
        ),
    ]


def _earlier_unsent_exists() -> sa.ColumnElement[bool]:
    """Correlated: an earlier message to the same recipient about the same case that has not
    gone out yet."""
    earlier = aliased(Notification)
    return sa.exists().where(*_earlier_unsent(earlier, Notification)).correlate(Notification)


def _earlier_waiting_among(ids: sa.BindParameter, now: sa.BindParameter) -> sa.ColumnElement[bool]:
    """Correlated: an earlier message to the same recipient, about any case, among `ids` and due
    now, that waits for an earlier message about its own case, itself among `ids` and due now
    (so sent in this pass). A delivery may hold a resident's messages about two cases
    (`deliver`'s `fill`); without this, the later one went out while the earlier waited a pass
    ("in progress" of the case a complaint was merged into before "merged"). A wait for a row
    outside the delivery, or not due (a retry's), holds nothing back: the next pass would find
    the same, and the row would be handed back for at once, again and again."""
    earlier, before_it = aliased(Notification), aliased(Notification)
    return (
        sa.exists()
        .where(
            sa.or_(
                earlier.contact_id == Notification.contact_id,
                earlier.user_id == Notification.user_id,
                earlier.endpoint_id == Notification.endpoint_id,
            ),
            earlier.id < Notification.id,
            earlier.id.in_(ids),
            claimable(now, now, earlier),
            sa.exists()
            .where(
                *_earlier_unsent(before_it, earlier),
                before_it.id.in_(ids),
                claimable(now, now, before_it),
            )
            .correlate(earlier),
        )
        .correlate(Notification)
    )


# built once: the worker's most frequent statement
_NOW = sa.bindparam("now", type_=UTCDateTime)
_IDS = sa.bindparam("notification_ids", expanding=True)
_CLAIM = (
    sa.update(Notification)
    .where(
        Notification.id.in_(_IDS),
        claimable(_NOW, _NOW),
        ~_earlier_unsent_exists(),
        ~_earlier_waiting_among(_IDS, _NOW),
    )
    .values(
        status=NotificationStatus.sending,
        lease_until=sa.bindparam("lease_until", type_=UTCDateTime),
        attempts=Notification.attempts + 1,
    )
    .returning(Notification.id)
)


def _unclaimed(session: Session, notification_id: int) -> AttemptResult:
    """What became of a row that could not be claimed. One still pending is handed back for
    when it can go: when it is due (a job may come early: RQ schedules to the whole second),
    and not before an earlier message to the same recipient about the same case. Any other row
    needs nothing (sent, failed, or being sent by another job)."""
    row = session.get(Notification, notification_id)
    if row is None or row.status != NotificationStatus.pending:
        return AttemptResult(Outcome.skipped)
    retry_at = row.next_attempt_at
    before = aliased(Notification)
    earlier = session.exec(
        select(before)
        .where(Notification.id == row.id, *_earlier_unsent(before, Notification))
        .order_by(before.id)
    ).first()
    if earlier is not None:
        soon = utcnow() + timedelta(seconds=2)
        if earlier.status == NotificationStatus.pending:  # it may be waiting for its own retry
            soon = max(earlier.next_attempt_at + timedelta(seconds=1), soon)
        retry_at = max(retry_at, soon)
    return AttemptResult(Outcome.retry, retry_at=retry_at)


def _never() -> bool:
    return False


def deliver(
    engine: Engine,
    settings: Settings,
    notification_ids: Iterable[int],
    *,
    channels: Channels,
    should_stop: Callable[[], bool] = _never,
    dispatcher: Dispatcher | None = None,
    fill: int = 0,
) -> dict[int, AttemptResult]:
    """Send each due row among `notification_ids` once, each through its channel in `channels`;
    never raises for a delivery problem. With `fill`, rows already due beside them go too, up
    to `fill` rows in all; those it could not claim are left to their own job or the sweep
    (no result).

    The rows are claimed together, and their outcomes committed as the providers answer, those
    that came in together at once: a claim and a commit per message cost the worker and the
    database more than the message's own send, and an answer kept unrecorded while slower sends
    go on would be sent again if the process died. The process's heartbeat keeps the claim's
    lease until the last answer is in. A message about a case waits for an earlier one to the
    same resident (the parts of a split message too), so each pass claims what the previous
    pass unblocked. When `should_stop` turns true the rows in flight (a claim's first row
    counts as started) are finished and the other claimed rows go back to pending, untouched,
    for the next worker.

    Rows a delivery writes itself (the admins' e-mail about a paused webhook endpoint) go to
    `dispatcher` once committed; without one, the sweep finds them.
    """
    ids = list(dict.fromkeys(notification_ids))
    own = set(ids)
    results: dict[int, AttemptResult] = {}
    pool = _send_pool(settings.notify_send_concurrency)
    leases = heartbeat(engine, settings)
    with open_session(engine, dispatcher=dispatcher) as session:
        if len(ids) < fill:
            due = due_notification_ids(session, older_than=timedelta(0), limit=fill)
            ids += [i for i in due if i not in own][: fill - len(ids)]
        for start in range(0, len(ids), CLAIM_SIZE):
            waiting = ids[start : start + CLAIM_SIZE]
            while waiting and not should_stop():
                claimed, lease_until = _claim(session, waiting, settings)
                if not claimed:
                    break
                lease = leases.hold(claimed, lease_until, settings.provider_timeout_seconds)
                try:
                    results |= _send_claimed(
                        session, claimed, lease, settings, channels, should_stop, pool
                    )
                finally:
                    leases.let_go(lease)
                waiting = [i for i in waiting if i not in results]
            if should_stop():
                break
            results |= {i: _unclaimed(session, i) for i in waiting if i in own}
    return results


def _send_pool(size: int) -> ThreadPoolExecutor:
    """The process's sending threads, kept from one job to the next: started anew for each
    job, they cost the worker about as much CPU as a message's claim and record."""
    with _send_pools_lock:
        if size not in _send_pools:
            _send_pools[size] = ThreadPoolExecutor(size, "aduan-send")
        return _send_pools[size]


_send_pools: dict[int, ThreadPoolExecutor] = {}
_send_pools_lock = threading.Lock()


def attempt_delivery(
    engine: Engine, settings: Settings, notification_id: int, *, channels: Channels
) -> AttemptResult:
    """Send one outbox row once if it is due."""
    return deliver(engine, settings, [notification_id], channels=channels).get(
        notification_id, AttemptResult(Outcome.skipped)
    )


def _send_claimed(
    session: Session,
    claimed: list[int],
    lease: Lease,
    settings: Settings,
    channels: Channels,
    should_stop: Callable[[], bool],
    pool: ThreadPoolExecutor,
) -> dict[int, AttemptResult]:
    """Sends the claimed rows: one recipient's one after another, in the order they were
    written, different recipients' side by side on `pool`'s threads, so a provider's round trip
    (150 ms and more to Twilio from Indonesia) is not waited out once per message. Only this
    thread touches the session: the pool's threads get messages and hand back what the provider
    said. A row whose `lease` does not cover a whole send when its turn comes is not sent and
    left as it is: it goes out once the lease has run out, claimed again.
    """
    rows = [
        (notification, _recipient(contact, user, endpoint))
        for notification, contact, user, endpoint in session.exec(
            select(Notification, Contact, User, WebhookEndpoint)
            .outerjoin(Contact, Contact.id == Notification.contact_id)
            .outerjoin(User, User.id == Notification.user_id)
            .outerjoin(WebhookEndpoint, WebhookEndpoint.id == Notification.endpoint_id)
            .where(Notification.id.in_(claimed))
            .order_by(Notification.id)
        )
    ]
    # a claim is the start of its first send: a stop asked for since then lets that send
    # finish, like one asked for a moment later, and releases only the rows not yet started
    first = rows[0][0].id if rows else None
    photos = outbound_photos(session, settings, (n.attachment_id for n, _ in rows))
    results: dict[int, AttemptResult] = {}
    chains: dict[tuple[str, int], list[_Attempt]] = {}
    for notification, recipient in rows:
        channel = channels.get(notification.channel)
        if recipient.refusal is not None:
            error = DeliveryError(recipient.refusal, permanent=True)
            results[notification.id] = _record_failure(notification, error, settings)
        elif channel is None:
            error = DeliveryError(f"no channel {notification.channel!r}", permanent=True)
            results[notification.id] = _record_failure(notification, error, settings)
        else:
            photo = photos.get(notification.attachment_id)
            message = _message(notification, recipient, channel, photo)
            attempt = _Attempt(notification.id, channel, message, recipient.contact is not None)
            chains.setdefault(recipient.key, []).append(attempt)
    answers: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
    for chain in chains.values():
        context = contextvars.copy_context()  # the job's id stays on what the threads log
        pool.submit(context.run, _send_chain, chain, lease, settings, first, should_stop, answers)
    by_id = {notification.id: (notification, recipient) for notification, recipient in rows}
    unanswered = {attempt.notification_id for chain in chains.values() for attempt in chain}
    while unanswered:
        notification_id, answer = answers.get()
        unanswered.discard(notification_id)
        notification, recipient = by_id[notification_id]
        if answer is _NOT_HELD:
            results[notification_id] = AttemptResult(Outcome.skipped)
        elif answer is _NOT_STARTED:
            _release(notification)
        else:
            results[notification_id] = _record(session, notification, recipient, answer, settings)
        if answers.empty():  # what went out is recorded before waiting for slower sends
            session.commit()
    session.commit()
    return results


def _recipient(
    contact: Contact | None, user: User | None, endpoint: WebhookEndpoint | None
) -> Recipient:
    """The row's recipient: its contact, staff user or webhook endpoint; none only when the
    citizen was erased (the CHECK constraint `ONE_RECIPIENT`)."""
    if contact is not None:
        return contact_recipient(contact)
    if endpoint is not None:
        return endpoint_recipient(endpoint)
    return staff_recipient(user) if user is not None else ERASED


@dataclass(frozen=True)
class _Attempt:
    notification_id: int
    channel: Channel
    message: OutboundMessage
    # to a citizen's contact: once the channel calls it unreachable, the chain's later rows
    # fail unsent
    to_contact: bool


# what a chain hands back for a row it did not send because a stop was asked for
_NOT_STARTED = object()
# ... because its lease would not outlast a send (the heartbeat could not renew it in time)
_NOT_HELD = object()
# ... and for a row it did not send because the channel refused this citizen a moment before
_REFUSED = object()


def _send_chain(
    chain: list[_Attempt],
    lease: Lease,
    settings: Settings,
    first: int | None,
    should_stop: Callable[[], bool],
    answers: queue.SimpleQueue[tuple[int, object]],
) -> None:
    """On a pool thread: one recipient's messages in order; each answer (a SendResult, the
    exception raised, or a marker) goes to `answers` as soon as it is known."""
    refused = False
    for attempt in chain:
        if attempt.notification_id != first and should_stop():
            answers.put((attempt.notification_id, _NOT_STARTED))
            continue
        if not lease.allows_send(attempt.notification_id):
            answers.put((attempt.notification_id, _NOT_HELD))
            continue
        if refused:
            answers.put((attempt.notification_id, _REFUSED))
            continue
        try:
            answer: object = attempt.channel.send(attempt.message, settings)
        except Exception as exc:  # recorded by the session's thread, a bug in a sender too
            answer = exc
            refused = attempt.to_contact and isinstance(exc, DeliveryError) and exc.unreachable
        answers.put((attempt.notification_id, answer))


def _release(row: Notification) -> None:
    """Claimed, never tried: back to pending as it was, the attempt not counted."""
    row.status = NotificationStatus.pending
    row.lease_until = None
    row.attempts -= 1


def _message(
    notification: Notification,
    recipient: Recipient,
    channel: Channel,
    photo: OutboundPhoto | None,
) -> OutboundMessage:
    """The row as `channel` sends it: with its photo, or for a channel that carries none, with
    a link to the photo in the text."""
    contact = recipient.contact
    message = OutboundMessage(
        address=recipient.address,
        body=notification.body,
        subject=notification.subject,
        kind=notification.kind,
        language=notification.language,
        variables=notification.variables,
        last_inbound_at=contact.last_inbound_at if contact is not None else None,
        photo=photo,
        message_id=f"msg_{notification.id}",
        signing_secret=recipient.endpoint.secret if recipient.endpoint is not None else None,
    )
    if photo is not None and not channel.photos:
        return replace(message, body=with_photo_link(message), photo=None)
    return message


def _record(
    session: Session,
    notification: Notification,
    recipient: Recipient,
    answer: object,
    settings: Settings,
) -> AttemptResult:
    """What the provider's answer (or its refusal of an earlier message) makes of the row.
    Only a citizen's contact is marked unreachable; to a staff user it is one failed row. A
    webhook endpoint keeps count of its failures in a row (notifications/webhooks.py)."""
    contact = recipient.contact
    if answer is _REFUSED:  # only ever after an earlier row to the same contact
        answer = DeliveryError(unreachable_reason(contact), permanent=True)
    if isinstance(answer, Exception) and not isinstance(answer, DeliveryError):
        # a bug in a sender must not leave the row claimed forever
        log.error("unexpected error sending notification %s", notification.id, exc_info=answer)
        answer = DeliveryError(repr(answer), permanent=False)
    if isinstance(answer, DeliveryError):
        if answer.unreachable and contact is not None and contact.unreachable_at is None:
            contact.unreachable_at = utcnow()
            session.add(contact)
        result = _record_failure(notification, answer, settings)
        endpoint = recipient.endpoint
        if endpoint is not None:
            webhooks.record_failure(session, settings, endpoint, answer)
            if endpoint.paused_at is not None and notification.status in (
                NotificationStatus.pending,
                NotificationStatus.held,
            ):  # held until an admin resumes the endpoint
                notification.status = NotificationStatus.held
                return AttemptResult(Outcome.skipped)
        return result
    assert isinstance(answer, SendResult)
    if recipient.endpoint is not None:
        webhooks.record_success(recipient.endpoint, answer)
        session.add(recipient.endpoint)
    metrics.delivery_recorded(notification.channel, Outcome.sent)
    notification.status = NotificationStatus.sent
    notification.provider_message_id = answer.provider_id[:64] or None
    notification.path = answer.path[:32]
    notification.sent_at = utcnow()
    notification.lease_until = None
    notification.last_error = None
    return AttemptResult(Outcome.sent)


def _record_failure(
    notification: Notification, error: DeliveryError, settings: Settings
) -> AttemptResult:
    notification.last_error = str(error)[:2000]
    if not error.attempted:  # the provider was not asked: back for when it said, uncounted
        _release(notification)
        notification.next_attempt_at = utcnow() + timedelta(seconds=error.retry_after or 0)
        return AttemptResult(Outcome.retry, retry_at=notification.next_attempt_at)
    notification.lease_until = None
    delays = settings.notify_retry_delays
    final = error.permanent or notification.attempts > len(delays)
    metrics.delivery_recorded(notification.channel, Outcome.failed if final else Outcome.retry)
    if final:
        notification.status = NotificationStatus.failed
        notification.failed_at = utcnow()
        log.warning(
            "notification %s failed for good after %s attempts: %s",
            notification.id,
            notification.attempts,
            error,
        )
        return AttemptResult(Outcome.failed)
    delay = max(delays[notification.attempts - 1], error.retry_after or 0)
    notification.status = NotificationStatus.pending
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.info("notification %s will retry in %ss: %s", notification.id, delay, error)
    return AttemptResult(Outcome.retry, retry_at=notification.next_attempt_at)


# rows a sweep (or the embedded thread) takes up at once
DUE_AT_ONCE = 500


def due_notification_ids(
    session: Session, *, older_than: timedelta, limit: int = DUE_AT_ONCE
) -> list[int]:
    """Rows that should have gone out by now: the safety net under every enqueue. A pending row
    is left `older_than` for the enqueue on its way; a lease that ran out has no such enqueue,
    and its sender's heartbeat would have renewed it if it lived."""
    now = utcnow()
    return list(
        session.exec(
            select(Notification.id)
            .where(claimable(now - older_than, now))
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )


# built once: the sweep runs it every NOTIFY_SWEEP_SECONDS in every worker
_RELEASE_LAPSED = (
    sa.update(Notification)
    .where(
        Notification.status == NotificationStatus.sending,
        Notification.lease_until < sa.bindparam("now", type_=UTCDateTime),
    )
    .values(status=NotificationStatus.pending, lease_until=None)
    .returning(Notification.id)
)


def release_lapsed(session: Session) -> list[int]:
    """Puts back to pending the rows whose lease ran out (their sender died: a live one's
    heartbeat renews it) and returns their ids. The attempt stays counted: the message may
    have gone out."""
    released = list(session.connection().execute(_RELEASE_LAPSED, {"now": utcnow()}).scalars())
    session.commit()
    return released
