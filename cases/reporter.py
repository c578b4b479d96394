"""Who reported a case, as staff may see it: the one place every staff view asks.

An ordinary case shows staff the reporter's channel, name and a masked address, enough to know
how the resident is reached. An Anonim (`anonymous`) case shows nothing of them, not even
masked: no staff member, role or export learns who reported. The reporter still hears every
update on their own channel (cases/citizen.py reads the contact; no staff view does).

The outbox rows of a case are listed for staff with what went wrong in sending each, as the
provider said it; a provider's error may quote the address it could not reach, so phone numbers
and e-mail addresses in it are masked, and an anonymous reporter's address is taken out whole.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from cases.models import Case
from cases.schemas import ContactView, NotificationView
from notifications.models import Contact, Notification


def mask_address(address: str) -> str:
    """Keep the first and last few characters so staff can tell contacts apart, no more."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    keep = 3 if len(address) > 8 else 1
    return address[: keep + 1] + "*" * max(len(address) - 2 * keep - 1, 3) + address[-keep:]


def reporter_view(session: Session, case: Case) -> ContactView | None:
    """The reporter as staff see them; None for an anonymous case or one without a contact."""
    if case.anonymous or case.contact_id is None:
        return None
    contact = session.get(Contact, case.contact_id)
    return ContactView(
        channel=contact.channel,
        name=contact.name,
        address_masked=mask_address(contact.address),
        wants_updates=case.notify,
    )


def delivery_views(session: Session, case: Case) -> list[NotificationView]:
    """The messages owed about `case`, oldest first.

    A provider's error is shown with every phone number and e-mail address masked
    (NotificationView); on an anonymous case the recipient's address is taken out whole first,
    since even a masked one tells something of the reporter.
    """
    rows = session.exec(
        select(Notification, Contact.address)
        .outerjoin(Contact, col(Contact.id) == Notification.contact_id)
        .where(Notification.case_id == case.id)
        .order_by(col(Notification.id))
    ).all()
    views = []
    for row, address in rows:
        fields = NotificationView.model_validate(row, from_attributes=True).model_dump()
        error = row.last_error
        if error and address and case.anonymous:
            fields["last_error"] = error.replace(address, "***")
        views.append(NotificationView.model_validate(fields))
    return views
