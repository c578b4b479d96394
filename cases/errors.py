"""Errors the case service raises; the HTTP layer maps each to one status code."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """Why the case rules turned a change down: a stable code a page words in its language."""

    # no staff move takes a case from its status to the one asked for; others are possible
    status_not_allowed = "status_not_allowed"
    # ... and none at all: the status is final
    status_final = "status_final"
    # the lifecycle table has the move, but not from the case's status
    move_not_allowed = "move_not_allowed"
    triage_needs_forward = "triage_needs_forward"
    unknown_agency = "unknown_agency"
    agency_without_categories = "agency_without_categories"
    category_not_in_agency = "category_not_in_agency"
    already_with_agency = "already_with_agency"
    merge_into_itself = "merge_into_itself"
    original_not_open = "original_not_open"
    # only an open case is put on an officer's desk
    case_not_open = "case_not_open"
    # the person named cannot hold the case (inactive, another agency's, not a case worker)
    not_a_holder = "not_a_holder"
    unknown_holder = "unknown_holder"
    # the case's category is resolved only with an after-photo (cases/proof.py)
    proof_required = "proof_required"
    # moderation of the public side (cases/moderation.py)
    unknown_hide_reason = "unknown_hide_reason"
    already_hidden = "already_hidden"
    not_hidden = "not_hidden"
    no_such_photo = "no_such_photo"
    # a referral body outside the city is referred to (the move `refer`), never forwarded to;
    # and only a referral body is referred to
    forward_to_referral = "forward_to_referral"
    not_a_referral = "not_a_referral"
    # a case is a complaint or a question (cases/kinds.py), nothing else
    unknown_kind = "unknown_kind"


class CaseError(Exception):
    """A change the case rules refuse. `str()` is an English sentence for the staff API;
    `reason` and `params` let a page say it in its reader's language. The params are the raw
    values: statuses as `CaseStatus`, moves as `MoveName`, several of them as a tuple, agency
    and category codes and usernames as given."""

    status_code = 400

    def __init__(self, text: str, reason: Refusal, **params: object) -> None:
        super().__init__(text)
        self.reason, self.params = reason, params


class TransitionNotAllowed(CaseError):
    """The lifecycle table has no such move for a case in its status."""

    status_code = 409


class UnknownAgency(CaseError):
    status_code = 422


class NotMergeable(CaseError):
    status_code = 409


class UnknownKind(CaseError):
    """A kind of case that is not one of cases.enums.CaseKind."""

    status_code = 422


class NotAssignable(CaseError):
    """The person asked for cannot hold this case (unknown, inactive, another agency's), or
    the case is no longer open."""

    status_code = 422


_MODERATION_CODES = {
    Refusal.no_such_photo: 404,
    Refusal.unknown_hide_reason: 422,
}


class ModerationRefused(CaseError):
    """A moderation of the public side that the rules turn down; `status_code` by reason."""

    def __init__(self, text: str, reason: Refusal, **params: object) -> None:
        super().__init__(text, reason, **params)
        self.status_code = _MODERATION_CODES.get(reason, 409)


class SearchProblem(StrEnum):
    """Why a staff search (cases/search.py) cannot be run: a stable code a page words."""

    # only punctuation: no word, code or number in it
    empty = "empty"
    # more characters or words than a search may hold
    too_long = "too_long"


class SearchRefused(ValueError):
    """A staff search that cannot be run. `str()` is an English sentence for the staff API;
    `problem` and `params` let a page say it in its reader's language."""

    status_code = 422

    def __init__(self, text: str, problem: SearchProblem, **params: int) -> None:
        super().__init__(text)
        self.problem, self.params = problem, params
