"""The Teams app package the project generates: a manifest Teams accepts for the MSP's own bot, and its icons."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from tools import teams_manifest

APP_ID = "8e3c1f0a-2b4d-4c6e-9f10-112233445566"


def test_the_package_holds_a_manifest_for_the_bot_and_two_icons_of_the_sizes_teams_asks_for(tmp_path: Path) -> None:
    # When the tool writes the package for a bot and a console
    out = tmp_path / "baton.zip"
    assert teams_manifest.main(["--app-id", APP_ID, "--console-url", "https://baton.contoso.example/", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        document = json.loads(archive.read("manifest.json"))
        icons = {name: archive.read(name) for name in ("color.png", "outline.png")}
    # Then the manifest names the bot with the scopes a channel card needs, the console's host, schema 1.19
    assert document["manifestVersion"] == "1.19" and document["$schema"].endswith("/v1.19/MicrosoftTeams.schema.json")
    assert document["bots"][0]["botId"] == APP_ID and "team" in document["bots"][0]["scopes"]
    assert document["validDomains"] == ["baton.contoso.example"]
    assert len(document["name"]["short"]) <= 30 and len(document["description"]["short"]) <= 80
    # And the app id is stable for the same bot (regenerating updates the same app), another bot gets another
    again = teams_manifest.manifest(APP_ID.upper(), "https://baton.contoso.example")
    other = teams_manifest.manifest("00000000-0000-4000-8000-000000000000", "https://baton.contoso.example")
    assert again["id"] == document["id"] != other["id"]
    # And the icons are PNGs of 192x192 (colour) and 32x32 (outline)
    for name, size in (("color.png", 192), ("outline.png", 32)):
        data = icons[name]
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


@pytest.mark.parametrize(
    ("app_id", "url"), [("not-a-guid", "https://baton.example"), (APP_ID, "http://baton.example"), (APP_ID, "baton")]
)
def test_a_wrong_app_id_or_console_url_is_refused_with_a_sentence(
    app_id: str, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert teams_manifest.main(["--app-id", app_id, "--console-url", url, "--out", "/dev/null"]) == 2
    assert "teams_manifest:" in capsys.readouterr().err


def test_the_package_is_made_in_memory() -> None:
    assert zipfile.ZipFile(io.BytesIO(teams_manifest.package(APP_ID, "https://b.example"))).testzip() is None
