"""Errors the case service raises; the HTTP layer maps each to one status code."""

from __future__ import annotations


class CaseError(Exception):
    status_code = 400


class TransitionNotAllowed(CaseError):
    """The lifecycle table has no such move for a case in its status."""

    status_code = 409


class UnknownAgency(CaseError):
    status_code = 422


class NotMergeable(CaseError):
    status_code = 409


class NotAssignable(CaseError):
    """The person asked for cannot hold this case (unknown, inactive, another agency's), or
    the case is no longer open."""

    status_code = 422
