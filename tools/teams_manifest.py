"""Write the Teams app package for an MSP's baton bot: manifest.json (schema v1.19) and its two icons, zipped.

    python -m tools.teams_manifest --app-id <the bot's Entra app id> --console-url https://baton.example.com \
        [--name baton] [--developer "Contoso MSP"] [--out baton-teams.zip]

Upload the zip in Teams (Apps → Manage your apps → Upload an app, or the Teams admin center for the whole tenant),
then add the app to the channel baton posts to. The bot is the Azure Bot resource's Microsoft App ID (single tenant).
docs/chat.md walks through it. The icons are drawn here (a 192x192 colour icon, a 32x32 white-on-transparent
outline) so the package needs no image file in the repository.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import struct
import sys
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SCHEMA = "https://developer.microsoft.com/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.19"
ACCENT = (0x2B, 0x57, 0x9A)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def manifest(
    app_id: str, console_url: str, name: str = "baton", developer: str = "baton", version: str = "1.0.0"
) -> dict[str, Any]:
    """The app manifest: one bot (team, personal and group-chat scopes) with its `link` command; the console's host as
    a valid domain (the cards' Open in baton link). The app's own id is derived from the bot's, so regenerating the
    package for the same bot updates the same app."""
    if not _GUID.match(app_id):
        raise ValueError("--app-id must be the bot's Microsoft App ID (a GUID)")
    parts = urlsplit(console_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("--console-url must be the console's https URL")
    site = f"{parts.scheme}://{parts.netloc}"
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"baton-teams-app:{app_id.lower()}")),
        "developer": {
            "name": developer[:32],
            "websiteUrl": site,
            "privacyUrl": site,
            "termsOfUseUrl": site,
        },
        "name": {"short": name[:30], "full": f"{name}: escalations for your team"[:100]},
        "description": {
            "short": "Pick up escalations from the channel."[:80],
            "full": (
                "baton posts new and overdue escalations of your MSP team to a channel, with Pick Up, Release and "
                "Resolve buttons; every copy of the card follows the handoff. Link yourself once: send `link CODE` "
                "(from your baton profile) to the bot."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["team", "personal", "groupChat"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": ["team", "personal", "groupChat"],
                        "commands": [{"title": "link", "description": "Link your Teams user to your baton profile: link CODE"}],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [parts.netloc],
    }


def png(size: int, background: tuple[int, int, int, int], mark: tuple[int, int, int, int]) -> bytes:
    """A square RGBA PNG: `background` with a centred bar of `mark` (the baton)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    low, high = size * 3 // 8, size * 5 // 8
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            on_bar = low <= x < high and size // 8 <= y < size - size // 8
            rows.extend(mark if on_bar else background)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def package(app_id: str, console_url: str, name: str = "baton", developer: str = "baton") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, console_url, name, developer), indent=2))
        archive.writestr("color.png", png(192, (*ACCENT, 255), (255, 255, 255, 255)))
        archive.writestr("outline.png", png(32, (0, 0, 0, 0), (255, 255, 255, 255)))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.teams_manifest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (Azure Bot resource)")
    parser.add_argument("--console-url", required=True, help="the console's https URL (ConsoleUrl output of the stack)")
    parser.add_argument("--name", default="baton")
    parser.add_argument("--developer", default="baton", help="your company's name, as Teams shows it")
    parser.add_argument("--out", default="baton-teams.zip", type=Path)
    options = parser.parse_args(argv)
    try:
        data = package(options.app_id, options.console_url, options.name, options.developer)
    except ValueError as error:
        print(f"teams_manifest: {error}", file=sys.stderr)
        return 2
    options.out.write_bytes(data)
    print(f"wrote {options.out} ({len(data)} bytes): upload it in Teams, then add the app to your escalations channel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
