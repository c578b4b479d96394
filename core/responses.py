"""The error answers every API route may give, declared once for the OpenAPI schema.

Clients (and the schema fuzzing in the tests) read the schema to learn what can come back;
an answer it does not list is a broken promise even when it is the right answer.
"""

from __future__ import annotations

from typing import Any


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {}},
                    "required": ["detail"],
                }
            }
        },
    }


PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error_response("no such complaint"),
    413: error_response("the request body is larger than the service accepts"),
    # a list of field errors, or one sentence when the fields are fine but the request is not
    422: error_response("the request is not valid; `detail` says why"),
    503: error_response("the database is briefly unavailable; nothing was saved"),
}
STAFF_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error_response("the request cannot be carried out as asked"),
    401: error_response("not signed in, or the token expired or was revoked"),
    403: error_response("the signed-in role may not do this"),
    409: error_response("the case's status does not allow this now"),
    **PUBLIC_ERRORS,
}
# a file retention deleted (MEDIA_RETENTION_DAYS after its case ended); its record stays
FILE_GONE: dict[int | str, dict[str, Any]] = {
    410: error_response("the file was deleted when the case's retention period ended"),
}
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_response("the request carries no signature or secret"),
    403: error_response("the signature or secret is wrong"),
    **PUBLIC_ERRORS,
}
