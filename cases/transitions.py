"""The whole lifecycle of a case: every move that sets its status, in one table.

This module only says which moves exist; `cases.lifecycle.transition` is the one function that
makes them. The README's lifecycle table is `markdown()`'s output (`aduan cases lifecycle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cases.enums import OPEN_STATUSES, CaseStatus, EventKind
from cases.errors import Refusal, TransitionNotAllowed
from notifications.enums import MessageKind


class Party(StrEnum):
    """Who makes a move; also the name the history gives a move nobody on the staff made."""

    citizen = "citizen"
    # an officer or supervisor who may work the case
    staff = "staff"
    # the follow-up pass, with nobody touching the case
    system = "system"


class MoveName(StrEnum):
    file = "file"
    file_for_triage = "file_for_triage"
    file_referred = "file_referred"
    forward = "forward"
    split = "split"
    refer = "refer"
    start = "start"
    wait = "wait"
    resume = "resume"
    answer = "answer"
    resolve = "resolve"
    reject = "reject"
    merge = "merge"
    join = "join"
    reopen = "reopen"
    not_fixed = "not_fixed"
    close = "close"
    auto_close = "auto_close"


@dataclass(frozen=True)
class Move:
    name: MoveName
    # the statuses a case may be in to take the move; none for the moves that file a case
    sources: frozenset[CaseStatus]
    target: CaseStatus
    by: Party
    summary: str
    event: EventKind = EventKind.status_changed
    # what everyone who follows the case is sent; None: nothing (the resident made the move
    # in a chat and was answered there)
    tells: MessageKind | None = MessageKind.status_changed
    # staff make it by naming the new status alone (the staff API's transitions, the
    # console's status form); the other staff moves need more and have requests of their own
    by_status: bool = False


NEW: frozenset[CaseStatus] = frozenset()

MOVES: dict[MoveName, Move] = {
    move.name: move
    for move in (
        Move(
            MoveName.file,
            NEW,
            CaseStatus.assigned,
            Party.citizen,
            "a complaint routing placed with an agency",
            event=EventKind.created,
            tells=MessageKind.acknowledgement,
        ),
        Move(
            MoveName.file_for_triage,
            NEW,
            CaseStatus.triage,
            Party.citizen,
            "a complaint routing could not place; a supervisor forwards it",
            event=EventKind.created,
            tells=MessageKind.acknowledgement,
        ),
        Move(
            MoveName.file_referred,
            NEW,
            CaseStatus.referred,
            Party.citizen,
            "a complaint routing placed with a referral body outside the city government: "
            "the resident is told where to go (name, channel, hotline) at once",
            event=EventKind.created,
            tells=MessageKind.referred,
        ),
        Move(
            MoveName.forward,
            OPEN_STATUSES,
            CaseStatus.assigned,
            Party.staff,
            "to the agency that should act, with a reason; its SLA clock starts anew",
            event=EventKind.forwarded,
            tells=MessageKind.forwarded,
        ),
        Move(
            MoveName.split,
            frozenset({CaseStatus.triage}),
            CaseStatus.assigned,
            Party.citizen,
            "the citizen splits a message of several problems: the case keeps the first and "
            "goes to its agency, the others are filed apart",
            event=EventKind.forwarded,
            tells=MessageKind.forwarded,
        ),
        Move(
            MoveName.refer,
            OPEN_STATUSES,
            CaseStatus.referred,
            Party.staff,
            "to a referral body outside the city government, with a reason; the resident is "
            "told where to go and the city's work ends",
            tells=MessageKind.referred,
        ),
        Move(
            MoveName.start,
            frozenset({CaseStatus.assigned}),
            CaseStatus.in_progress,
            Party.staff,
            "work begins",
            by_status=True,
        ),
        Move(
            MoveName.wait,
            frozenset({CaseStatus.assigned, CaseStatus.in_progress}),
            CaseStatus.waiting,
            Party.staff,
            "waiting for the citizen; the SLA clock stands still",
            by_status=True,
        ),
        Move(
            MoveName.resume,
            frozenset({CaseStatus.waiting}),
            CaseStatus.in_progress,
            Party.staff,
            "the citizen answered; the clock runs on with the time it had left",
            by_status=True,
        ),
        Move(
            MoveName.answer,
            frozenset({CaseStatus.waiting}),
            CaseStatus.in_progress,
            Party.citizen,
            "the citizen answered the officer's question in the chat; the clock runs on",
            tells=None,
        ),
        Move(
            MoveName.resolve,
            frozenset({CaseStatus.assigned, CaseStatus.in_progress, CaseStatus.waiting}),
            CaseStatus.resolved,
            Party.staff,
            "fixed; the citizen is asked for a rating",
            tells=MessageKind.rating_request,
            by_status=True,
        ),
        Move(
            MoveName.reject,
            OPEN_STATUSES,
            CaseStatus.rejected,
            Party.staff,
            "not a complaint the city acts on",
            by_status=True,
        ),
        Move(
            MoveName.merge,
            OPEN_STATUSES,
            CaseStatus.closed,
            Party.staff,
            "a duplicate folded into its original, whose news its reporter then gets",
            event=EventKind.merged,
        ),
        Move(
            MoveName.join,
            OPEN_STATUSES,
            CaseStatus.closed,
            Party.citizen,
            "the citizen says the complaint is one already reported: folded into it, they "
            "follow it",
            event=EventKind.merged,
            tells=None,
        ),
        Move(
            MoveName.reopen,
            frozenset({CaseStatus.resolved}),
            CaseStatus.in_progress,
            Party.staff,
            "staff take a resolved case up again",
            by_status=True,
        ),
        Move(
            MoveName.not_fixed,
            frozenset({CaseStatus.resolved}),
            CaseStatus.in_progress,
            Party.citizen,
            "the citizen says it is not fixed; the due time is not renewed",
            tells=MessageKind.reopened,
        ),
        Move(
            MoveName.close,
            frozenset({CaseStatus.resolved}),
            CaseStatus.closed,
            Party.staff,
            "staff close a resolved case",
            by_status=True,
        ),
        Move(
            MoveName.auto_close,
            frozenset({CaseStatus.resolved}),
            CaseStatus.closed,
            Party.system,
            "resolved AUTO_CLOSE_DAYS ago and nobody reopened it",
            tells=MessageKind.auto_closed,
        ),
    )
}


def opening(routed: bool, *, referral: bool = False) -> Move:
    """The move that files a new complaint: to an agency when routing placed it (referred at
    once when that is a `referral` body), else triage."""
    if not routed:
        return MOVES[MoveName.file_for_triage]
    return MOVES[MoveName.file_referred if referral else MoveName.file]


def in_status_order(statuses: frozenset[CaseStatus]) -> list[CaseStatus]:
    return [s for s in CaseStatus if s in statuses]


def status_targets(current: CaseStatus) -> list[CaseStatus]:
    """The statuses staff can move a case in `current` to by naming them, in lifecycle order."""
    return in_status_order(
        frozenset(m.target for m in MOVES.values() if m.by_status and current in m.sources)
    )


def by_status(current: CaseStatus, target: CaseStatus) -> Move:
    """The staff move from `current` to `target`; TransitionNotAllowed names the ones there are."""
    for move in MOVES.values():
        if move.by_status and current in move.sources and move.target is target:
            return move
    allowed = tuple(status_targets(current))
    raise TransitionNotAllowed(
        f"cannot move a case from '{current}' to '{target}'; allowed: "
        + (", ".join(sorted(allowed)) or "none (this status is final)"),
        Refusal.status_not_allowed if allowed else Refusal.status_final,
        current=current,
        target=target,
        allowed=allowed,
    )


def refusal(move: Move, current: CaseStatus, code: str) -> TransitionNotAllowed:
    """Why a case in `current` cannot take `move`, naming the statuses that can."""
    sources = tuple(in_status_order(move.sources))
    which = "an open case" if move.sources == OPEN_STATUSES else "a case"
    return TransitionNotAllowed(
        f"only {which} ({', '.join(sources)}) can take the move '{move.name}'; {code} is {current}",
        Refusal.move_not_allowed,
        move=move.name,
        code=code,
        current=current,
        sources=sources,
    )


def markdown() -> str:
    """The table as the README prints it."""
    lines = [
        "| Move | From | To | By | History entry | Citizen is told | What it is |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for move in MOVES.values():
        sources = ", ".join(f"`{s}`" for s in in_status_order(move.sources)) or "(new complaint)"
        lines.append(
            f"| `{move.name}` | {sources} | `{move.target}` | {move.by} | `{move.event}` "
            f"| {f'`{move.tells}`' if move.tells else '(answered in the chat)'} | {move.summary} |"
        )
    return "\n".join(lines) + "\n"
