"""Errors the case service raises; the HTTP layer maps each to one status code."""

from __future__ import annotations


class CaseError(Exception):
    status_code = 400


class TransitionNotAllowed(CaseError):
    status_code = 409

    def __init__(self, current: str, requested: str, allowed: list[str]):
        allowed_text = ", ".join(allowed) if allowed else "none (this status is final)"
        super().__init__(
            f"cannot move a case from '{current}' to '{requested}'; allowed: {allowed_text}"
        )
        self.allowed = allowed


class UnknownAgency(CaseError):
    status_code = 422


class NotMergeable(CaseError):
    status_code = 409


class NotAssignable(CaseError):
    """The person asked for cannot hold this case (unknown, inactive, another agency's), or
    the case is no longer open."""

    status_code = 422
