"""The issuer's OIDC userinfo endpoint, found through its discovery document (cached per cold start).

The issuer is the token's `iss`, which the HTTP API's JWT authorizer has already matched to the
one issuer the stack trusts, so this never calls an address a caller chose.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from baton.domain.errors import Transient

TIMEOUT_SECONDS = 3.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UserInfoClient:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._endpoint = cache(self._discover)

    def userinfo(self, issuer: str, access_token: str) -> dict[str, Any]:
        """The userinfo claims for this token; {} when the issuer has no userinfo or refuses the token."""
        endpoint = self._endpoint(issuer.rstrip("/"))
        if not endpoint:
            return {}
        try:
            answer = self._get(endpoint, {"Authorization": f"Bearer {access_token}"})
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500:
                return {}  # e.g. a token without the openid scope: no verified email from here
            raise Transient("Your identity provider's userinfo endpoint failed; retry in a moment.") from error
        return answer if isinstance(answer, dict) else {}

    def _discover(self, issuer: str) -> str | None:
        try:
            document = self._get(f"{issuer}/.well-known/openid-configuration", {})
        except urllib.error.HTTPError as error:
            if error.code >= 500:  # not cached: the next request asks again
                raise Transient("Your identity provider's discovery document failed; retry in a moment.") from error
            return None
        endpoint = document.get("userinfo_endpoint") if isinstance(document, dict) else None
        return endpoint if isinstance(endpoint, str) and _allowed(endpoint) else None

    def _get(self, url: str, headers: dict[str, str]) -> Any:
        if not _allowed(url):
            raise Transient("The identity provider's address is not https; it cannot be asked.")
        request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310 (checked above)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as reply:  # noqa: S310 (https or loopback only)
                return json.loads(reply.read(256 * 1024))
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise Transient("Your identity provider did not answer in time; retry in a moment.") from error


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
