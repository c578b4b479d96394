"""The contents we make ourselves through Twilio's Content API (quick replies, the rating
list): each made once per account and found again by its friendly name after a restart.

A content is named for its shape ("aduan_choices_2_v1"); a new shape needs a new name, as an
account keeps the old content under the old one. Its sid is remembered for the process's life
per account, Content API address and name; a send Twilio refuses `forget`s it, so the next
need looks again (an operator may have deleted the content in Twilio's console).
"""

from __future__ import annotations

import threading

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

# content sids by (account, Content API address, friendly name), for the process's life
_sids: dict[tuple[str, str, str], str] = {}
_sids_lock = threading.Lock()


def _key(client: Client, name: str) -> tuple[str, str, str]:
    return (client.account_sid, client.content.base_url, name)


def content_sid(client: Client, spec: ContentList.ContentCreateRequest) -> str:
    """The sid of the content `spec` describes, by its friendly name: remembered, found in the
    account, or made now. Raises what the Twilio client raises when Twilio cannot answer."""
    name = str(spec.friendly_name)
    key = _key(client, name)
    with _sids_lock:  # made once, not once per thread that needs it first
        if key not in _sids:
            found = (c.sid for c in client.content.v1.contents.stream() if c.friendly_name == name)
            sid = next(found, None) or client.content.v1.contents.create(spec).sid
            _sids[key] = str(sid)
        return _sids[key]


def forget(client: Client, name: str) -> None:
    """A content deleted from the account fails its sends: look for it again next time."""
    with _sids_lock:
        _sids.pop(_key(client, name), None)
