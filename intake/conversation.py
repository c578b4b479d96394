"""The chat conversation every chat channel shares: what each inbound message means, and the answer.

Channels turn their payloads into a `ChatEvent` (intake/chat.py) and render the `ChatReply`s;
everything a conversation decides starts here, so Telegram, SMS and WhatsApp behave the same.
Each message is read in the context of the sender's cases and the question the bot last asked
(all kept in the database, never in a process: several web processes answer webhooks), in this
order: an edit, the words that ask for Anonim or Rahasia (intake/modes.py, taken off the front
of the message), a file or location, the answer to a numbered question, a command, then the
words themselves (intake/intent.py): thanks and greetings, a question about the service, "it is
still not fixed", "when will it be done?", the answer an officer waits for, or a complaint. A
complaint about a problem an open public case already reports near its place is offered to
follow that case first (intake/already_reported.py).
When unsure, it asks. Acknowledgements of new complaints go through the outbox like every other
message we owe a citizen; the replies returned here are the immediate answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from cases.enums import CaseStatus
from cases.feedback import awaiting_feedback, parse_rating, rate, reopen
from cases.following import Followed
from cases.lifecycle import keep_first_problem
from cases.models import Case
from cases.modes import ORDINARY, mode_of
from core.db import insert_on_conflict, utcnow
from core.media import StoredMedia
from core.settings import Settings
from intake import already_reported, attachments, chat_links, questions
from intake.additions import add_words, edit, follow_up, open_cases
from intake.chat import ChatEvent, ChatOutcome, ChatReply, media_kind, reply
from intake.chat_data import ERASE_PURPOSE, ask_erase, data_replies, erase_now, kept
from intake.chat_status import open_cases as open_cases_text
from intake.chat_status import status_by_code
from intake.chat_text import (
    CHOICE_RANGE,
    FAQ,
    GREETING,
    HELP_MODES,
    HELP_SMS,
    HELP_SMS_FULL,
    HELP_TELEGRAM,
    KEPT_ONE,
    LANG_SET,
    LINK_ALREADY,
    LINK_BOUND,
    LINK_CLOSED,
    LINK_EXPIRED,
    LINK_FOLLOWED,
    LINK_UNKNOWN,
    LINK_USED,
    MODE_NEXT,
    RATED,
    SALAM,
    THANKS,
    TOO_SHORT,
    UNSUPPORTED,
    say,
)
from intake.choices import Answer, Held, number, pending, take, yes_no
from intake.commands import FULL_HELP, Command, CommandName, parse_command
from intake.filing import file_complaint
from intake.intent import Intent, Reading, read
from intake.language import choose_language, language_for
from intake.limits import chat_sender
from intake.models import InboundReceipt
from intake.modes import keep_mode, split_mode
from notifications.models import Contact
from notifications.service import get_or_create_contact
from routing.service import RoutingDecision, route

# the questions whose options also take words, by their purpose (the numbers always do)
ANSWER_WORDS: dict[str, Callable[[str], int | None]] = {
    ERASE_PURPOSE: yes_no,
    already_reported.ALREADY_PURPOSE: already_reported.answer_number,
}
# "when?" in this many words that routing places is as much a new complaint as a question
DESCRIBES_WORDS = 8


def handle(session: Session, settings: Settings, event: ChatEvent) -> ChatOutcome:
    """Answer one chat message; a message id seen before does nothing at all.

    The message's receipt commits with its handling, or not at all: a message whose handling
    failed is handled afresh when the platform delivers it again.
    """
    receipt_id = _receipt(session, event)
    if receipt_id is None:
        return ChatOutcome(duplicate=True)
    contact = get_or_create_contact(
        session,
        channel=event.sender.channel,
        address=event.sender.address,
        name=event.name,
        inbound_at=event.received_at,
        new_contact_language=settings.default_language,
    )
    outcome = _respond(session, settings, event, contact)
    if outcome.filed_case_id is not None:  # an edit of this message will find its complaint
        session.execute(
            sa.update(InboundReceipt)
            .where(col(InboundReceipt.id) == receipt_id)
            .values(case_id=outcome.filed_case_id)
        )
    session.commit()
    return replace(outcome, language=contact.language)


def _receipt(session: Session, event: ChatEvent) -> int | None:
    """Store the receipt of `event` in the session's transaction; None when one is stored
    already (PostgreSQL first waits for a transaction that is storing it).

    ON CONFLICT rather than a savepoint: SQLite's driver opens no transaction for a SAVEPOINT,
    so releasing one that comes first commits the receipt before the message is handled.
    """
    insert = insert_on_conflict(session.get_bind().dialect.name, InboundReceipt.__table__)
    insert = insert.values(
        channel=event.channel,
        external_id=event.external_id,
        message_ref=event.message_ref,
        received_at=utcnow(),
    )
    returning = insert.on_conflict_do_nothing().returning(InboundReceipt.__table__.c.id)
    return session.execute(returning).scalar()


def _respond(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    mode, text = split_mode((event.text or "").strip())
    if event.edited:  # the words come off an edit too; a case keeps the mode it was filed in
        return edit(session, contact, event.channel, event.message_ref, text, event.received_at)
    if mode:  # "#anonim ...", "RAHASIA": for the complaint these words (or the next) file
        kept = keep_mode(session, contact, mode, event.received_at)
        if not text and event.location is None and not event.media:
            return reply(say(contact.language, MODE_NEXT[kept]))
        event = replace(event, text=text)
    question = pending(session, contact, event.received_at)
    if event.location is not None or event.media:
        if question is not None:  # the resident moved on
            session.delete(question)
        if event.location is not None:
            return attachments.add_location(session, settings, event, contact)
        return attachments.add_media(session, settings, event, contact)
    if not text:
        return reply(say(contact.language, UNSUPPORTED))
    if question is not None:
        words = ANSWER_WORDS.get(question.payload.get("purpose"))
        chosen = number(text)
        if chosen is None and words is not None:
            chosen = words(text)  # "ya" / "tidak", "IKUT" / "LAPOR BARU" answer it too
        rating_first = chosen is not None and _rating_asked_since(session, contact, question)
        if chosen is not None and not rating_first:
            if chosen > len(question.options):
                return reply(say(contact.language, CHOICE_RANGE, count=len(question.options)))
            answer = take(session, question, chosen)
            return _act(session, settings, event, contact, answer)
        take(session, question, None)  # the resident moved on
    command = parse_command(text)
    if command is not None:
        return _command(session, settings, event, contact, command)
    language_for(session, contact, text)
    rating = parse_rating(text)
    if rating is not None:
        rated = _rate(session, settings, contact, rating)
        if rated is not None:
            return rated
    return _read(session, settings, event, contact, text, read(text))


def _rating_asked_since(session: Session, contact: Contact, question) -> bool:
    """A rating request came after the question: a bare digit now rates the case."""
    case = awaiting_feedback(session, contact.id)
    return (
        case is not None and case.resolved_at is not None and (case.resolved_at > question.asked_at)
    )


def _rate(
    session: Session, settings: Settings, contact: Contact, rating: int
) -> ChatOutcome | None:
    case = awaiting_feedback(session, contact.id)
    if case is None:
        return None
    rate(session, settings, case, rating)
    return reply(
        say(contact.language, RATED, code=case.tracking_code, rating=rating),
        case_code=case.tracking_code,
    )


def _routed(session: Session, settings: Settings, text: str) -> RoutingDecision:
    return route(session, text, min_confidence=settings.routing_min_confidence)


def _elsewhere(decision: RoutingDecision, cases: list[Case]) -> bool:
    """Routing places the words, confidently, with an agency none of `cases` is with."""
    return decision.agency is not None and all(
        case.agency_id != decision.agency.id for case in cases
    )


def _read(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    text: str,
    reading: Reading,
) -> ChatOutcome:
    language = contact.language
    at = event.received_at
    match reading.intent:
        case Intent.acknowledgement:
            return ChatOutcome()
        case Intent.thanks:
            return reply(say(language, THANKS))
        case Intent.salam:
            return reply(say(language, SALAM))
        case Intent.greeting:
            return reply(say(language, GREETING))
    decision = _routed(session, settings, text)
    if reading.intent is Intent.not_fixed:
        case = awaiting_feedback(session, contact.id)
        # a few words ("blm pak, masih mati lampunya") are about that case whatever routing
        # makes of them; a full description of another agency's problem is a new complaint
        short = len(text.split()) < DESCRIBES_WORDS
        if case is not None and (short or not _elsewhere(decision, [case])):
            reopen(session, settings, case)  # the citizen hears it through the outbox
            return ChatOutcome(case_code=case.tracking_code)
    cases = open_cases(session, contact)
    follows_up = reading.intent in (Intent.follow_up, Intent.not_fixed)
    if follows_up and cases and not _elsewhere(decision, cases):
        if decision.agency is not None and len(text.split()) >= DESCRIBES_WORDS:
            # as much a complaint as a question ("... sudah dua minggu belum diperbaiki"): ask
            same = [case for case in cases if case.agency_id == decision.agency.id]
            held = Held("follow_up", text=text)
            return questions.new_or_add(session, contact, at, same[0], held)
        return _follow_up(session, settings, contact, at, text, decision, cases)
    # a question routing places with an agency is a request to that agency, not about us: it
    # is filed there as a question (intake/service.py `filed_kind`)
    if reading.intent is Intent.question and decision.agency is None:
        return reply(say(language, FAQ[reading.topic]))
    waiting = [case for case in cases if case.status == CaseStatus.waiting]
    if waiting:
        held = Held("talk", text=text)
        if len(waiting) > 1:
            return questions.which_case(session, contact, at, waiting, held, or_new=True)
        if _elsewhere(decision, waiting):
            return questions.new_or_add(session, contact, at, waiting[0], held)
        return add_words(session, settings, waiting[0], text, language)
    if len(text.split()) < attachments.MIN_COMPLAINT_WORDS:
        return reply(say(language, TOO_SHORT))
    if decision.outcome in ("chatter", "question"):
        held = Held("talk", text=text)
        recent = attachments.recent_cases(session, contact, at)
        if recent:
            return questions.new_or_add(session, contact, at, recent[0], held)
        if decision.outcome == "question":
            return questions.is_question(session, settings, contact, at, held)
        return questions.is_complaint(session, contact, at, held)
    return _file(session, settings, event, contact, text, decision)


def _follow_up(
    session: Session,
    settings: Settings,
    contact: Contact,
    at: datetime,
    text: str,
    decision: RoutingDecision,
    cases: list[Case],
) -> ChatOutcome:
    """ "When?" about one of the contact's open cases: the one routing points at, the only
    one, or the one they pick."""
    if decision.agency is not None:
        matching = [case for case in cases if case.agency_id == decision.agency.id]
        cases = matching or cases
    if len(cases) > 1:
        held = Held("follow_up", text=text)
        listed = cases[: attachments.MAX_LISTED]
        return questions.which_case(session, contact, at, listed, held, or_new=False)
    return follow_up(session, settings, cases[0], text, contact.language)


def _file(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    text: str,
    decision: RoutingDecision,
    media: Sequence[StoredMedia] = (),
    *,
    offer: bool = True,
) -> ChatOutcome:
    """File the words as a complaint; when they hold problems for different agencies, offer
    to file each on its own. With `offer`, ask first when an open public case already
    reports the problem at the location kept for them (intake/already_reported.py)."""
    if offer and (
        asked := already_reported.offer_before_filing(
            session, settings, event, contact, text, media, decision
        )
    ):
        return asked
    outcome = file_complaint(session, settings, event, contact, text, tuple(media))
    if outcome.filed_case_id is None:
        return outcome
    if not decision.problems:
        return outcome
    case = session.get(Case, outcome.filed_case_id)
    offer = questions.split(session, contact, event.received_at, case, decision.problems)
    return replace(outcome, replies=[*outcome.replies, offer])


def _keep_first(session: Session, settings: Settings, case: Case, problem: str) -> None:
    """The case filed for a message of several problems keeps the first: from triage, it goes
    to the city agency routing places that problem with (else, or when staff have moved it
    since, it stays where it is: a supervisor refers a first problem that is a referral
    body's)."""
    if case.status != CaseStatus.triage:
        return
    point = (case.latitude, case.longitude) if case.latitude is not None else None
    decision = route(
        session, problem, min_confidence=settings.routing_min_confidence, location=point
    )
    if decision.agency is not None and not decision.agency.is_referral:
        keep_first_problem(session, settings, case, decision)


def _act(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact, answer: Answer
) -> ChatOutcome:
    """Do what the number the resident chose stands for."""
    option, held, language = answer.option, answer.held, contact.language
    if option.do == "keep":
        return reply(say(language, KEPT_ONE))
    if option.do == "erase":
        return erase_now(session, settings, contact, event.received_at, event.channel)
    if option.do == "keep_data":
        return kept(language)
    if option.do == "mode":
        chosen = keep_mode(session, contact, split_mode(option.text or "")[0], event.received_at)
        return reply(say(language, MODE_NEXT[chosen]))
    if option.do == "split":
        first = session.get(Case, option.case_id) if option.case_id is not None else None
        mode = mode_of(first) if first is not None else ORDINARY
        parts = (held.text or "").splitlines()
        if first is not None and parts:
            _keep_first(session, settings, first, parts.pop(0))
        filed: list[ChatOutcome] = []
        for index, part in enumerate(parts, start=1):
            split_event = replace(event, external_id=f"{event.external_id}:{index}")
            filed.append(file_complaint(session, settings, split_event, contact, part, mode=mode))
        replies = [r for outcome in filed for r in outcome.replies]
        return ChatOutcome(replies, case_code=filed[0].case_code if filed else None)
    if option.do == "file":
        words = held.text or ""
        asked = already_reported.offer_before_filing(
            session, settings, event, contact, words, held.media
        )
        return asked or file_complaint(session, settings, event, contact, words, held.media)
    if option.do == "file_anew":  # LAPOR BARU
        return _file_held(session, settings, event, contact, held)
    if option.do == "follow":
        return _follow_instead(session, settings, event, contact, option.found_id, held)
    if option.do == "join":
        return already_reported.join_found(
            session, settings, contact, option.case_id, option.found_id
        )
    if option.do == "keep_own":
        return already_reported.keep_own(session, contact, option.case_id)
    case = session.get(Case, option.case_id)
    if case is None or case.contact_id != contact.id:
        return reply(say(language, UNSUPPORTED))
    if held.purpose == "follow_up":
        return follow_up(session, settings, case, held.text or "", language)
    if held.purpose == "attachment":
        if held.location is not None:
            attachments.place(session, settings, case, held.location, event.received_at)
            return attachments.located(session, settings, contact, case, event.received_at)
        kinds = [media_kind(item.content_type, audio_is_voice=True) for item in held.media]
        name = attachments.kind_name(language, kinds)
        return attachments.attached(session, case, held.media, held.text or "", name, language)
    return add_words(session, settings, case, held.text or "", language)


def _follow_instead(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    found_id: int,
    held: Held,
) -> ChatOutcome:
    """IKUT: follow the case already reported instead of filing the held words; when it can
    no longer be followed, say so and file them after all."""
    at = event.received_at
    followed, told = already_reported.follow_found(session, settings, contact, found_id, at)
    if followed is not Followed.not_open:
        return told
    filed = _file_held(session, settings, event, contact, held)
    return replace(filed, replies=[*told.replies, *filed.replies])


def _file_held(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact, held: Held
) -> ChatOutcome:
    """The words (and files) held by the "already reported?" question, filed as they would
    have been had nothing been reported near."""
    text = held.text or ""
    decision = _routed(session, settings, text)
    return _file(session, settings, event, contact, text, decision, held.media, offer=False)


def _help(session: Session, event: ChatEvent, contact: Contact, full: bool) -> list[ChatReply]:
    """Telegram's help, then the question of Anonim or Rahasia with its buttons; on SMS and
    WhatsApp the one-SMS help, or for BANTUAN all of it and the modes."""
    language = contact.language
    if event.slash_commands:
        return [
            ChatReply(say(language, HELP_TELEGRAM), offer_location=True),
            questions.which_mode(session, contact, event.received_at),
        ]
    if full:
        return [ChatReply(say(language, HELP_SMS_FULL)), ChatReply(say(language, HELP_MODES))]
    return [ChatReply(say(language, HELP_SMS))]


# what the bot answers to a web form's Telegram link, by what the link did
LINK_REPLIES = {
    chat_links.Bound.bound: LINK_BOUND,
    chat_links.Bound.already: LINK_ALREADY,
    chat_links.Bound.used: LINK_USED,
    chat_links.Bound.expired: LINK_EXPIRED,
    chat_links.Bound.unknown: LINK_UNKNOWN,
    chat_links.Bound.followed: LINK_FOLLOWED,
    chat_links.Bound.closed: LINK_CLOSED,
}


def _bind(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact, token: str
) -> ChatOutcome:
    """The web form's Telegram link, opened: the case's updates now come to this chat."""
    outcome, case = chat_links.bind(session, settings, token, contact, event.received_at)
    code = case.tracking_code if case is not None else None
    hours = int(chat_links.LINK_LIFETIME.total_seconds() // 3600)
    text = say(contact.language, LINK_REPLIES[outcome], code=code, hours=hours)
    return reply(text, case_code=code)


def _command(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact, command: Command
) -> ChatOutcome:
    language = contact.language
    match command.name:
        case CommandName.help:
            return ChatOutcome(_help(session, event, contact, full=command.argument == FULL_HELP))
        case CommandName.lang:
            choose_language(session, contact, command.argument or "id")
            return reply(say(contact.language, LANG_SET))
        case CommandName.status if command.argument is None:
            return reply(open_cases_text(session, settings, contact))
        case CommandName.data:
            slash = event.slash_commands
            return ChatOutcome(data_replies(session, settings, contact, slash_commands=slash))
        case CommandName.erase:
            return ask_erase(session, contact, event.received_at)
        case CommandName.link:
            return _bind(session, settings, event, contact, command.argument or "")
    client = chat_sender(event.sender)
    code = command.argument or ""
    return reply(status_by_code(session, settings, language, code, client=client))
