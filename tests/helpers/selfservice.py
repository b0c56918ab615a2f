"""A user changing their own settings through the PBX's client API, as the softphone does:
POST /api/v1/auth/token with the SIP credentials, then PATCH /api/v1/me/settings with the
Bearer token. Blocking (urllib), for tests that drive agents and sipp from plain threads."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.helpers.pbxproc import PbxProcess


class SelfService:
    """The client API as extension `number` (password "pw<number>", tests/helpers/pbxproc.py)."""

    def __init__(self, pbx: PbxProcess, number: str) -> None:
        self.number = number
        self.url = pbx.api_url()
        login = self._request("POST", "/api/v1/auth/token",
                              {"user": number, "password": f"pw{number}"})
        self.token = str(login["token"])

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None,
                 token: str | None = None) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200, (method, path, resp.status)
            return dict(json.load(resp))

    def settings(self) -> dict[str, Any]:
        return self._request("GET", "/api/v1/me/settings", token=self.token)

    def change(self, **changes: Any) -> dict[str, Any]:
        """PATCH the given settings; the answer must show every one of them applied."""
        saved = self._request("PATCH", "/api/v1/me/settings", changes, token=self.token)
        wrong = {k: saved.get(k) for k, v in changes.items() if saved.get(k) != v}
        assert not wrong, f"{self.number}: PATCH {changes} answered {saved}"
        return saved
