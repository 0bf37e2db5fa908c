"""When two email addresses are the same address: the one rule invitations are created and matched by.

The invitation's address is the key; a token's verified address matches it only when both have the
same canonical form, and the canonical form never maps one address onto a different one:

- surrounding white space is dropped; only ASCII letters are folded to lower case (Unicode case folding
  turns the Kelvin sign U+212A into `k`, and `İ` into `i̇`: different addresses that would collide);
- an address that NFKC normalisation would change (the Kelvin sign, fullwidth letters, ligatures,
  decomposed accents) is refused, as is one with a space, a control, format, private-use or non-character;
- a Unicode domain is written as its IDNA A-label (`bücher.example` is `xn--bcher-kva.example`), so
  both spellings of one domain match, and nothing else does (punycode maps strings one to one);
- the email library must write the result exactly as it is (`email.headerregistry.Address`): it is what
  builds the `To` header, and it would quietly drop a comment or refuse a non-ASCII local part.
"""

from __future__ import annotations

import unicodedata

from baton.domain import safe_text

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def canonical(address: str) -> str | None:
    """The form two addresses are compared in, or None for an address that `problem` refuses."""
    return None if problem(address) is not None else _folded(address.strip())


def problem(address: str) -> str | None:
    """Why `address` cannot be invited or matched, or None."""
    text = address.strip()
    odd = next((char for char in text if _is_odd(char)), None)
    if odd is not None:
        return (
            f"an email address must not contain spaces, control, format, private-use or non-characters (found U+{ord(odd):04X})"
        )
    if unicodedata.normalize("NFKC", text) != text:
        return "an email address must be written as it is delivered: this one changes under Unicode NFKC normalisation"
    # The email library is imported here, not at import: `email.headerregistry` alone is 23 ms of a function's init.
    from email.errors import MessageError
    from email.headerregistry import Address

    folded = _folded(text)
    try:
        written = Address(addr_spec=folded).addr_spec
    except (ValueError, IndexError, MessageError):
        written = None
    if written != folded:
        return "this is not an address email can be sent to (a name of ASCII characters, an @ and a domain)"
    return None


def _folded(text: str) -> str:
    local, _, domain = text.rpartition("@")
    return f"{local.translate(_ASCII_LOWER)}@{'.'.join(_a_label(label) for label in domain.split('.'))}"


def _is_odd(char: str) -> bool:
    """Unsafe in a name, or a space, a format or a private-use character: none belongs in an address."""
    return safe_text.is_unsafe(char) or char.isspace() or unicodedata.category(char) in ("Cf", "Co")


def _a_label(label: str) -> str:
    if label.isascii():
        return label.translate(_ASCII_LOWER)
    return "xn--" + label.translate(_ASCII_LOWER).encode("punycode").decode("ascii")
