"""Which characters a name may hold where people read it: an email header, a chat card, a screen.

Names (an account's, a person's) reach headers and chat messages. The characters that can forge or
disguise what is shown there are refused where a caller typed them (422), and cleaned out where an
identity provider said them (nobody can be asked to fix their IdP's display name):

- controls (C0, DEL, C1: CR, LF, NUL, TAB …) and the line and paragraph separators (U+2028, U+2029);
- format characters (bidi overrides and isolates such as U+202E, U+FEFF, invisible tags …), except
  the zero-width non-joiner and joiner, which scripts and emoji need (U+200C, U+200D);
- non-characters (U+FFFE, U+FFFF, U+FDD0-U+FDEF, the last two of every plane) and lone surrogates.

The ranges are written out (Unicode 15.1's categories Cc, Zl, Zp and Cf, as Python 3.13 on Lambda has
them), so the rule is the same on every Python and in the OpenAPI document's patterns (`UNSAFE_CLASS`).
"""

from __future__ import annotations

import re

UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200B), (0x200E, 0x200F),
    (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFDD0, 0xFDEF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0xFFFE, 0xFFFF), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0x1FFFE, 0x1FFFF), (0x2FFFE, 0x2FFFF), (0x3FFFE, 0x3FFFF), (0x4FFFE, 0x4FFFF),
    (0x5FFFE, 0x5FFFF), (0x6FFFE, 0x6FFFF), (0x7FFFE, 0x7FFFF), (0x8FFFE, 0x8FFFF), (0x9FFFE, 0x9FFFF),
    (0xAFFFE, 0xAFFFF), (0xBFFFE, 0xBFFFF), (0xCFFFE, 0xCFFFF), (0xDFFFE, 0xDFFFF), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F), (0xEFFFE, 0xEFFFF), (0xFFFFE, 0xFFFFF), (0x10FFFE, 0x10FFFF),
)  # fmt: skip


def _escaped(point: int) -> str:
    # \uXXXX reads the same in Python's, Rust's and ECMA-262's regular expressions; beyond the BMP, the character itself.
    return f"\\u{point:04X}" if point <= 0xFFFF else chr(point)


# The body of a regular-expression character class (`[...]`) of every unsafe character but the lone surrogates,
# which no pattern engine takes and the request models refuse before any pattern runs.
UNSAFE_CLASS = "".join(_escaped(a) if a == b else f"{_escaped(a)}-{_escaped(b)}" for a, b in UNSAFE_RANGES)
_UNSAFE = re.compile(f"[{UNSAFE_CLASS}\\ud800-\\udfff]")
_BREAKS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")  # what str.splitlines() and tabs split on


def is_unsafe(char: str) -> bool:
    return _UNSAFE.fullmatch(char) is not None


def problem(text: str) -> str | None:
    """Why `text` cannot be a name, or None."""
    found = list(dict.fromkeys(f"U+{ord(char):04X}" for char in _UNSAFE.findall(text)))
    if not found:
        return None
    shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
    return f"must not contain control, bidirectional-override or non-characters (found {shown})"


def one_line(text: str) -> str:
    """`text` fit for one line that people read: line breaks and tabs become spaces, the other unsafe characters
    go, and runs of white space become one space."""
    spaced = "".join(" " if char in _BREAKS else char for char in text)
    return re.sub(r"\s+", " ", _UNSAFE.sub("", spaced)).strip()
