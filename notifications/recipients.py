"""Who an outbox row goes to, looked up when it is sent.

A row is addressed to a citizen's contact, a staff user or a partner's webhook endpoint. A
contact's address is the one the citizen wrote from; a staff user's is the e-mail address on
their account at send time, so a changed address is used by every message not yet sent; an
endpoint's is its URL. The reasons a recipient cannot be sent to are final for the row: it
fails at once, without a call to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import Contact, WebhookEndpoint
from staff.models import User


@dataclass(frozen=True)
class Recipient:
    """Where one row goes now, or why it cannot go."""

    # rows with the same key go out one after another, in the order they were written
    key: tuple[str, int]
    address: str
    # the citizen's contact; None for a staff user (nothing is marked on a user's account)
    contact: Contact | None = None
    # why nothing can be sent to this recipient now; None when it can
    refusal: str | None = None
    # a partner's webhook endpoint (its secret signs the body); None for a person
    endpoint: WebhookEndpoint | None = None


def unreachable_reason(contact: Contact) -> str:
    """Why a contact the channel refused is not tried; the contact has `unreachable_at` set."""
    since = contact.unreachable_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"contact unreachable: {contact.channel} refused delivery to this citizen on {since} "
        "(e.g. the bot was blocked); not sent until they write again"
    )


def contact_recipient(contact: Contact) -> Recipient:
    refusal = unreachable_reason(contact) if contact.unreachable_at is not None else None
    return Recipient(("contact", contact.id), contact.address, contact, refusal)


# a row whose citizen's contact details were erased while it was being sent, and that came back
# for another attempt: it has nobody to go to
ERASED = Recipient(("erased", 0), "", refusal="the resident's contact details were erased")


def staff_recipient(user: User) -> Recipient:
    """The user at their account's e-mail address as it is now. The reasons name the account
    by id, not by its address or name: they are logged."""
    refusal = None
    if not user.active:
        refusal = f"staff user {user.id} is deactivated: staff mail goes to active accounts only"
    elif not user.email:
        refusal = f"staff user {user.id} has no e-mail address: an admin can add one"
    return Recipient(("user", user.id), user.email or "", refusal=refusal)


def endpoint_recipient(endpoint: WebhookEndpoint) -> Recipient:
    """A partner's webhook endpoint, at its URL."""
    return Recipient(("endpoint", endpoint.id), endpoint.url, endpoint=endpoint)
