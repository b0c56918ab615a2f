"""The PBX client API as the client's worker meets it over HTTP: where it lives, how long a
request may take, and its failures as exceptions (pbx_worker.py and door/requests.py)."""

from __future__ import annotations

API = "/api/v1"
HTTP_TIMEOUT = 15.0


class NoApi(Exception):
    """What answers there is not our PBX's client API (a plain SIP server's web page)."""


class AuthFailed(Exception):
    """The PBX refused the user's SIP credentials."""


class HttpError(Exception):
    """An error answer: HTTP status and the API's {"error": code, "message": text}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
