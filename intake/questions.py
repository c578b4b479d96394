"""The questions the bot asks when it cannot tell what a message is for, as numbered choices.

Each question is one reply listing its numbers (enough on SMS) with `choices` labelled for the
channels that show buttons, and is remembered (intake/choices.py) until the resident answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from cases.models import Case
from core.settings import Settings
from intake.chat import ChatOutcome, ChatReply
from intake.chat_status import SMS_ELLIPSIS, SMS_EXCERPT_CHARS, excerpt
from intake.chat_text import (
    ASK_IS_COMPLAINT,
    ASK_IS_QUESTION,
    ASK_IS_QUESTION_HOTLINE,
    ASK_MODE,
    ASK_NEW_OR_ADD,
    ASK_SPLIT,
    ASK_WHICH_CASE,
    ASK_WHICH_CASE_OR_NEW,
    CHOICE_ANONYMOUS,
    CHOICE_BOTH,
    CHOICE_CONFIDENTIAL,
    CHOICE_NEW,
    CHOICE_ONE,
    CHOICE_SEND,
    CHOICE_SPLIT,
    say,
)
from intake.choices import Held, Option, ask
from notifications.models import Contact
from routing.service import Problem

# how much of each problem's words the two-problems question quotes
PROBLEM_CHARS = 30


def summary(case: Case) -> str:
    """A few words of the complaint, to tell it from the resident's others (SMS-safe)."""
    return excerpt(case.text, SMS_EXCERPT_CHARS, SMS_ELLIPSIS)


def _asked(
    session: Session,
    contact: Contact,
    at: datetime,
    text: str,
    options: list[Option],
    labels: Sequence[str],
    held: Held,
) -> ChatOutcome:
    ask(session, contact, options, held, at)
    return ChatOutcome([ChatReply(text, choices=tuple(labels))])


def new_or_add(
    session: Session, contact: Contact, at: datetime, case: Case, held: Held
) -> ChatOutcome:
    """ "Is this a new complaint, or more about `case`?" """
    language = contact.language
    text = say(language, ASK_NEW_OR_ADD, code=case.tracking_code, summary=summary(case))
    options = [Option("file"), Option("add", case.id)]
    labels = [say(language, CHOICE_NEW), case.tracking_code]
    return _asked(session, contact, at, text, options, labels, held)


def is_complaint(session: Session, contact: Contact, at: datetime, held: Held) -> ChatOutcome:
    """ "Is this a complaint?", for words that read like chatter."""
    language = contact.language
    text = say(language, ASK_IS_COMPLAINT)
    return _asked(session, contact, at, text, [Option("file")], [say(language, CHOICE_SEND)], held)


def is_question(
    session: Session, settings: Settings, contact: Contact, at: datetime, held: Held
) -> ChatOutcome:
    """ "This reads like a question": where the city answers questions (its hotline, when it
    has one), and the choice to send the words as a complaint after all."""
    language = contact.language
    if settings.city_hotline:
        text = say(language, ASK_IS_QUESTION_HOTLINE, hotline=settings.city_hotline)
    else:
        text = say(language, ASK_IS_QUESTION)
    return _asked(session, contact, at, text, [Option("file")], [say(language, CHOICE_SEND)], held)


def which_case(
    session: Session,
    contact: Contact,
    at: datetime,
    cases: Sequence[Case],
    held: Held,
    *,
    or_new: bool,
) -> ChatOutcome:
    """ "Which of your complaints is this for?", each listed by its code and first words."""
    language = contact.language
    lines = [say(language, ASK_WHICH_CASE)]
    options: list[Option] = []
    for number, case in enumerate(cases, start=1):
        lines.append(f"{number} = {case.tracking_code} ({summary(case)})")
        options.append(Option("add", case.id))
    labels = [case.tracking_code for case in cases]
    if or_new:
        lines.append(say(language, ASK_WHICH_CASE_OR_NEW, number=len(cases) + 1))
        options.append(Option("file"))
        labels.append(say(language, CHOICE_NEW))
    return _asked(session, contact, at, "\n".join(lines), options, labels, held)


def split(
    session: Session, contact: Contact, at: datetime, case: Case, found: Sequence[Problem]
) -> ChatReply:
    """ "Your message holds N problems: shall we file them apart?" `case`, the complaint just
    filed, waits in triage; answering 2 sends it to the first problem's agency and files each
    other problem on its own, in the mode `case` was filed in."""
    language = contact.language
    problems = ", ".join(excerpt(p.text, PROBLEM_CHARS, SMS_ELLIPSIS) for p in found)
    text = say(language, ASK_SPLIT, count=len(found), problems=problems)
    options = [Option("keep"), Option("split", case.id)]
    held = Held("split", text="\n".join(problem.text for problem in found))
    ask(session, contact, options, held, at)
    return ChatReply(text, choices=(say(language, CHOICE_ONE), say(language, CHOICE_SPLIT)))


# the welcome's choices of a reporting mode: the words that ask for each, and its button
MODES_OFFERED = (
    ("anonim", CHOICE_ANONYMOUS),
    ("rahasia", CHOICE_CONFIDENTIAL),
    ("anonim rahasia", CHOICE_BOTH),
)


def which_mode(session: Session, contact: Contact, at: datetime) -> ChatReply:
    """ "Anonim, Rahasia, or both?" for the next complaint; each option carries the words that
    ask for its mode (intake/modes.py). Writing anything else files as usual."""
    language = contact.language
    options = [Option("mode", text=words) for words, _ in MODES_OFFERED]
    labels = tuple(say(language, label) for _, label in MODES_OFFERED)
    ask(session, contact, options, Held("mode"), at)
    return ChatReply(say(language, ASK_MODE), choices=labels)
