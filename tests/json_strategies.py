"""Arbitrary JSON documents, as the AI product might send them as `intake_content`, and what the API must
answer to each: stored and returned exactly as sent, or refused up front with a 422 that says why.

Shared by the handler-level round trip (tests/integration/test_json_fidelity.py) and the one through the
whole local pipeline (tests/e2e/test_json_through_the_pipeline.py).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from baton.domain.models import INTAKE_DEPTH_MAX

# Any Unicode; about one string in forty holds a lone surrogate ("\ud800"), which JSON text can escape but
# no UTF-8 store can write. Hypothesis's own text almost never draws one (about 1 in 1,000 strings).
unicode_text = st.text(max_size=20)
_with_a_lone_surrogate = st.tuples(unicode_text, st.characters(categories=["Cs"]), unicode_text).map("".join)
text = st.integers(0, 39).flatmap(lambda n: _with_a_lone_surrogate if n == 0 else unicode_text)
keys = st.integers(0, 39).flatmap(lambda n: _with_a_lone_surrogate if n == 0 else st.text(max_size=8))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has no NaN or infinity
    | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)
json_documents = st.dictionaries(keys, json_values, max_size=5)


def refusal(document: Any) -> str | None:
    """The phrase the 422's `detail` must hold for `document`, or None when it must be stored as sent."""
    if _has_a_lone_surrogate(document):
        return "lone surrogate"
    if _depth(document) > INTAKE_DEPTH_MAX:
        return "nested"
    return None


def _has_a_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(character) <= 0xDFFF for character in value)
    if isinstance(value, dict):
        return any(_has_a_lone_surrogate(key) or _has_a_lone_surrogate(child) for key, child in value.items())
    if isinstance(value, list):
        return any(_has_a_lone_surrogate(child) for child in value)
    return False


def _depth(value: Any, level: int = 1) -> int:
    """The deepest level any value sits at, the document itself being level 1 (as the API counts)."""
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    return max((_depth(child, level + 1) for child in children), default=level)
