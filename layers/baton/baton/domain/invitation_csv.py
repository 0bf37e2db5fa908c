"""A bulk invitation as people write it: CSV lines of `email,role` (a header line and blank lines are fine; the
role may be left out for `engineer`). Each line keeps its number, so every refusal can name it."""

from __future__ import annotations

import csv
from typing import NamedTuple

from baton.domain.errors import Invalid

MAX_ROWS = 200
DEFAULT_ROLE = "engineer"


class CsvRow(NamedTuple):
    line: int
    email: str
    role: str


def rows(text: str) -> list[CsvRow]:
    """The lines that name someone to invite. Invalid when there are none or more than MAX_ROWS."""
    found: list[CsvRow] = []
    for number, raw in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in raw]
        if not any(cells):
            continue
        if not found and cells[0].lower() in ("email", "e-mail", "address"):
            continue  # the header
        role = cells[1].lower() if len(cells) > 1 and cells[1] else DEFAULT_ROLE
        found.append(CsvRow(line=number, email=cells[0], role=role))
    if not found:
        raise Invalid("The CSV names nobody: give one `email,role` line per person (role: viewer, engineer, admin or owner).")
    if len(found) > MAX_ROWS:
        raise Invalid(f"The CSV names {len(found)} people; invite at most {MAX_ROWS} at a time.")
    return found
