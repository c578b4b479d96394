"""The datatypes the shipped catalogue does not ask yet (multivaluelist, datetime, text),
checked as a POST's answers are: open311.attributes.checked_answers with a definition as the
catalogue file would give it."""

from __future__ import annotations

import pytest

from open311.attributes import checked_answers
from open311.formats import Open311Error

DEFINITION = [
    {
        "code": "seen_at",
        "datatype": "datetime",
        "description": "Kapan terlihat?",
        "description_en": "When was it seen?",
        "order": 2,
    },
    {
        "code": "kinds",
        "datatype": "multivaluelist",
        "required": True,
        "description": "Jenis sampah",
        "description_en": "Kinds of rubbish",
        "order": 1,
        "values": [
            {"key": "plastic", "name": "Plastik", "name_en": "Plastic"},
            {"key": "organic", "name": "Organik", "name_en": "Organic"},
        ],
    },
    {
        "code": "notes",
        "datatype": "text",
        "description": "Catatan",
        "description_en": "Notes",
        "order": 3,
    },
]


def test_good_answers_become_lines_in_the_definitions_order() -> None:
    """Several keys of a multivaluelist, a W3C datetime, free text."""
    answers = {
        "notes": ["menumpuk di tepi sungai"],
        "seen_at": ["2026-12-05T06:30:00+07:00"],
        "kinds": ["plastic", "organic"],
    }
    assert checked_answers(DEFINITION, answers) == [
        "attribute[kinds]: plastic, organic",
        "attribute[seen_at]: 2026-12-05T06:30:00+07:00",
        "attribute[notes]: menumpuk di tepi sungai",
    ]


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({}, "attribute[kinds] is required: Kinds of rubbish"),
        ({"kinds": ["plastic", "glass"]}, "attribute[kinds] must be one of: plastic, organic"),
        ({"kinds": ["plastic"], "seen_at": ["kemarin"]}, "attribute[seen_at] must be a W3C"),
        ({"kinds": ["plastic"], "notes": ["a", "b"]}, "attribute[notes] takes one value"),
    ],
)
def test_wrong_answers_are_400_naming_the_question(answers: dict, reason: str) -> None:
    with pytest.raises(Open311Error) as refused:
        checked_answers(DEFINITION, answers)
    assert refused.value.status_code == 400
    assert refused.value.description.startswith(reason)
