"""The patterns of request bodies mean the same to the document's readers as to the server: whitespace is
Python's str.strip() set, spelled out, never `\\s` (ECMA-262, Rust and Python each read it differently)."""

from __future__ import annotations

import json
import re
import sys

import pytest
from pydantic import ValidationError

from baton.api_models import AccountPatch, InvitationCreate

WHITESPACE = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]


@pytest.mark.parametrize("space", WHITESPACE, ids=lambda space: f"U+{ord(space):04X}")
def test_a_name_of_only_whitespace_is_refused_whatever_the_whitespace(space: str) -> None:
    # Given a name that str.strip() would make empty (U+001C and U+0085 among them), When it is validated,
    # Then it is refused rather than stored as ""
    with pytest.raises(ValidationError):
        AccountPatch(name=space * 2)


def test_an_email_with_surrounding_whitespace_is_fine_but_not_one_with_a_space_inside() -> None:
    assert InvitationCreate(email="\u00a0new@acme.test\u0085", role="engineer").email.strip() == "new@acme.test"
    for bad in ("new@acme.\u0085", "\u0085@acme.test", "new one@acme.test"):
        with pytest.raises(ValidationError):
            InvitationCreate(email=bad, role="engineer")


def test_the_documented_patterns_spell_whitespace_out() -> None:
    # Given the JSON schemas the document publishes, Then no pattern leans on an engine's idea of `\s`
    schemas = json.dumps([AccountPatch.model_json_schema(), InvitationCreate.model_json_schema()])
    assert "pattern" in schemas and not re.search(r"\\\\[sS]", schemas)
