"""A posted request's `attribute[code]` answers, checked against the service definition (the
category's `attributes` in the catalogue file, as GET services/{code} publishes them).

Each question of the definition is checked: a required one must be answered, a list's answer
must be among its keys (a multivaluelist may take several, as `attribute[code][]`), a number
must be a number and a datetime a W3C datetime; the others take one line of text. Codes the
definition does not ask are kept unchecked: FixMyStreet adds its own (`fixmystreet_id`,
`easting`, ...), and refusing them would refuse its reports.
"""

from __future__ import annotations

import math
from datetime import datetime

from open311.formats import Open311Error
from routing.catalogue import LIST_DATATYPES, AttributeSpec

Answers = dict[str, list[str]]


def _checked(spec: AttributeSpec, values: list[str]) -> None:
    name = f"attribute[{spec.code}]"
    if spec.datatype != "multivaluelist" and len(values) > 1:
        raise Open311Error(400, f"{name} takes one value")
    if spec.datatype in LIST_DATATYPES:
        keys = [value.key for value in spec.values]
        if any(value not in keys for value in values):
            raise Open311Error(400, f"{name} must be one of: {', '.join(keys)}")
    elif spec.datatype == "number":
        try:
            number = float(values[0])
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise Open311Error(400, f"{name} must be a number")
    elif spec.datatype == "datetime":
        try:
            datetime.fromisoformat(values[0])
        except ValueError:
            raise Open311Error(
                400, f"{name} must be a W3C datetime such as 2010-01-01T00:00:00Z"
            ) from None


def checked_answers(definition: list[dict], answers: Answers) -> list[str]:
    """`answers` as history lines (`attribute[code]: value, value`), the definition's
    questions first in their order; Open311Error 400 naming the first that is wrong."""
    specs = sorted(
        (AttributeSpec.model_validate(attribute) for attribute in definition),
        key=lambda spec: spec.order,
    )
    for spec in specs:
        values = answers.get(spec.code, [])
        if not values:
            if spec.required:
                raise Open311Error(
                    400, f"attribute[{spec.code}] is required: {spec.description_en}"
                )
            continue
        _checked(spec, values)
    asked = [spec.code for spec in specs]
    order = [code for code in asked if code in answers] + [c for c in answers if c not in asked]
    return [f"attribute[{code}]: {', '.join(answers[code])}" for code in order if answers[code]]
