"""Names and addresses that reach email headers and chat messages: which characters they may hold, when two
addresses are the same, and headers that only the email library writes."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from baton.api_models import EMAIL_PATTERN, NAME_PATTERN, AccountPatch, InvitationCreate
from baton.domain import email_address, safe_text
from baton.domain.events import Actor, event_for_change
from baton.domain.invitation_events import invitation_event_for_change
from baton.domain.messages import Email
from baton.domain.models import Handoff, Invitation, Role, TimelineEntry, User
from baton.logic import notify

HOSTILE = ["\r\nBcc: boss@evil.test", "\u2028", "\x00", "\u202e", "\ufeff", "\uffff", "\x85", "\U000e0041"]


# --- which characters a name may hold ---------------------------------------------------------------


def test_the_written_out_ranges_cover_every_control_format_and_separator_this_python_knows() -> None:
    # Given the categories of the running Python's Unicode database (3.11 has Unicode 14, 3.13 has 15.1)
    known = {
        point
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) in ("Cc", "Zl", "Zp") or (unicodedata.category(chr(point)) == "Cf")
    } - {0x200C, 0x200D}
    # Then each is unsafe, as is every non-character, and the joiners that scripts and emoji need are not
    assert [f"U+{point:04X}" for point in sorted(known) if not safe_text.is_unsafe(chr(point))] == []
    assert all(safe_text.is_unsafe(chr(p)) for p in (0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFF, 0x10FFFF, 0xD800))
    assert not any(safe_text.is_unsafe(char) for char in "\u200c\u200d aé日😀\u00a0")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_name_with_a_hostile_character_is_refused_and_cleaned_to_one_plain_line(hostile: str) -> None:
    name = f"Mallory{hostile} Jones"
    assert safe_text.problem(name) is not None and f"U+{ord(hostile[0]):04X}" in str(safe_text.problem(name))
    cleaned = safe_text.one_line(name)
    assert safe_text.problem(cleaned) is None and cleaned.startswith("Mallory") and cleaned.endswith("Jones")
    assert "  " not in cleaned


def test_a_family_emoji_and_an_indic_name_keep_their_joiners() -> None:
    for name in ("Priya 👨\u200d👩\u200d👧", "क्\u200dष"):
        assert safe_text.problem(name) is None and safe_text.one_line(name) == name


@given(st.text(max_size=120))
@example("0\n")  # Python's `$` matches before a final newline; JSON Schema's does not
def test_the_documented_name_pattern_says_exactly_what_the_server_accepts(name: str) -> None:
    # Given any text as an account name (lone surrogates are refused before any pattern, as unreadable Unicode)
    try:
        name.encode()
    except UnicodeEncodeError:
        return
    # Then the document's pattern (read as JSON Schema reads it: ECMA-262's `$` is the very end, where Python's
    # also matches before a final newline, so "0\n" would pass) and length and the server's model agree on it
    as_ecma = NAME_PATTERN.removesuffix("$") + r"\Z"
    documented = 1 <= len(name) <= 100 and re.search(as_ecma, name) is not None
    try:
        AccountPatch.model_validate({"name": name})
    except ValidationError:
        assert not documented, name
    else:
        assert documented, name


# --- when two addresses are the same address --------------------------------------------------------


def test_the_kelvin_sign_never_becomes_the_letter_k() -> None:
    # Given the red team's repro: an address whose first character is the Kelvin sign (U+212A)
    kelvin = "\u212aim-7@newco.test"
    # Then it has no canonical form (it changes under NFKC), so it can neither be invited nor match `kim-7@…`
    assert kelvin.lower() == "kim-7@newco.test"  # what matching by `lower()` did
    assert email_address.canonical(kelvin) is None and "NFKC" in str(email_address.problem(kelvin))
    assert email_address.canonical(" Kim-7@NewCo.TEST ") == "kim-7@newco.test"


@pytest.mark.parametrize(
    "look_alike",
    [
        "\u212aim@newco.test",  # KELVIN SIGN
        "\uff4bim@newco.test",  # FULLWIDTH k
        "\U0001d424im@newco.test",  # MATHEMATICAL BOLD k
        "\u1d0bim@newco.test",  # LATIN LETTER SMALL CAPITAL K
        "k\u0131m@newco.test",  # dotless i
        "\u0130m@newco.test",  # İ, which lower() turns into i + U+0307
        "kim@newco\uff0etest",  # FULLWIDTH FULL STOP
        "kim@newco.tes\u0074\u0307",  # t + combining dot
        "k\u200bim@newco.test",  # ZERO WIDTH SPACE
        "kim@newco.test\u00ad",  # SOFT HYPHEN
    ],
)
def test_no_look_alike_is_ever_the_same_address_as_the_one_invited(look_alike: str) -> None:
    assert email_address.canonical(look_alike) != "kim@newco.test"


@given(st.characters(), st.sampled_from(["kim@newco.test", "a.b@x.example"]))
def test_a_character_other_than_a_letters_own_ascii_cases_never_folds_onto_it(char: str, address: str) -> None:
    # Given an address whose first letter is replaced by any character at all
    changed = char + address[1:]
    # Then it is the invited address only if that character is the letter itself, in either ASCII case
    if email_address.canonical(changed) == address:
        assert char in (address[0], address[0].upper())


def test_a_unicode_domain_and_its_a_label_are_one_domain() -> None:
    assert email_address.canonical("Ann@Bücher.Example") == email_address.canonical("ann@xn--bcher-kva.example")
    assert email_address.canonical("ann@bücher.example") == "ann@xn--bcher-kva.example"


@given(st.from_regex(EMAIL_PATTERN, fullmatch=True))
def test_every_address_the_document_calls_valid_is_one_the_server_invites(address: str) -> None:
    # Given any address that matches the document's pattern (what schemathesis sends as valid)
    if not 3 <= len(address) <= 254:
        return
    # Then the server accepts it, and its canonical form is an address the email library writes as it is
    InvitationCreate.model_validate({"email": address, "role": "viewer"})
    canonical = email_address.canonical(address)
    assert canonical is not None and Email(to=canonical, subject="s", text="t").to == canonical


@pytest.mark.parametrize("hostile", ["\x00", "\u202e", "\ufeff", "\uffff", "\u2028", "\u212a"])
def test_an_invitation_address_with_a_hostile_character_is_refused_naming_the_field(hostile: str) -> None:
    with pytest.raises(ValidationError) as refused:
        InvitationCreate.model_validate({"email": f"ki{hostile}m@newco.test", "role": "viewer"})
    assert refused.value.errors()[0]["loc"] == ("email",)


# --- headers only the email library writes ------------------------------------------------------------


def _created_by(name: str, notes: str = "Printer on fire") -> Email:
    at = "2026-01-01T00:00:00.000Z"
    handoff = Handoff(
        id="h", session_id="s", account_id="acme", intent="escalate", engineer_notes=notes, status="open", created_by="m",
        created_by_name=name, created_at=at, updated_at=at, version=1,
        timeline=[TimelineEntry(at=at, action="create", actor_id="m", actor_name=name, version=1)],
    )  # fmt: skip
    event = event_for_change(None, handoff, "e1")
    assert event is not None
    event = event.model_copy(update={"actor": Actor(id="m", name=name)})
    senior = User(id="s", account_id="acme", email="senior@acme.test", display_name="Sam", role=Role.ENGINEER)
    return notify.compose(event, senior, "http://console")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_stored_display_name_cannot_add_a_header_to_an_escalation_email(hostile: str) -> None:
    # Given the red team's repro: an escalation by "Mallory\r\nBcc: …" (a name stored before names were cleaned)
    mail = _created_by(f"Mallory{hostile}")
    # Then the subject is one clean line: no line break, bidi override or non-character survives
    assert mail.subject.startswith("[baton] Escalation from Mallory")
    assert safe_text.problem(mail.subject) is None and mail.to == "senior@acme.test"


def test_an_account_name_cannot_add_a_header_to_an_invitation_email() -> None:
    # Given an invitation to an account whose name (stored before names were checked) holds CR/LF and U+202E
    invitation = Invitation(
        id="i", account_id="acme", account_name="Acme\r\nBcc: boss@evil.test\u202e", email="kim@newco.test", role=Role.ENGINEER,
        status="pending", invited_by="o", invited_by_name="Olive\u2028X", created_at="2026-01-01T00:00:00.000Z",
        expires_at="2026-01-08T00:00:00.000Z",
    )  # fmt: skip
    event = invitation_event_for_change(None, invitation, "e2")
    assert event is not None
    mail = notify.compose_invitation(event, "http://console")
    assert mail.subject == "[baton] Olive X invited you to Acme Bcc: boss@evil.test" and mail.to == "kim@newco.test"


@pytest.mark.parametrize("to", ["kim@newco.test\r\nBcc: boss@evil.test", "kim@newco.test, boss@evil.test", "k\x00@newco.test"])
def test_an_email_to_anything_but_one_address_cannot_be_made(to: str) -> None:
    with pytest.raises(ValidationError):
        Email(to=to, subject="s", text="t")
