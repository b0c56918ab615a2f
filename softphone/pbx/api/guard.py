"""Who may use the client API: sign-in, bearer tokens, and the SIP side's ban list.

POST /api/v1/auth/token trades the SIP credentials for a token; every other endpoint
wants ``Authorization: Bearer <token>`` (RFC 6750 section 2.1). Browsers cannot set headers
on a WebSocket, so the events endpoint alone also takes ``?token=`` (section 2.3).

Failed sign-ins are reported to the same BanList as failed SIP authentications: a
password guesser gets banned whichever door it knocks on, and a banned address gets 429
with Retry-After here as it gets nothing from SIP.

Door stations have SIP accounts too, but no business with the client API: their correct
credentials get 403 (not counted as a failed sign-in), a wrong password the usual 401.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from aiohttp import web

from softphone.pbx.api.auth import Claims, PasswordChecker, TokenError, TokenSigner
from softphone.pbx.api.doorvideo import STREAM_ROUTE
from softphone.pbx.api.errors import ApiError, Handler, invalid, read_json_object, require_fields
from softphone.pbx.config import Extension, PbxConfig
from softphone.pbx.doors import DOOR_ROLE
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.throttle import AccountThrottle

log = logging.getLogger(__name__)

TOKEN_PATH = "/api/v1/auth/token"
OPENAPI_PATH = "/api/v1/openapi.json"
EVENTS_PATH = "/api/v1/events"
# The video stream checks its own short-lived link token (softphone/pbx/api/doorvideo.py).
PUBLIC_PATHS = frozenset({TOKEN_PATH, OPENAPI_PATH, STREAM_ROUTE.replace(
    "{number:[0-9]{2,6}}", "{number}")})
MAX_USER = 64
MAX_PASSWORD = 1024
_CALLER = web.RequestKey("caller", Extension)
_CLAIMS = web.RequestKey("claims", Claims)
_CHALLENGE = 'Bearer realm="softphone-pbx"'


def caller(request: web.Request) -> Extension:
    """The signed-in extension making ``request`` (set by Guard.middleware)."""
    ext = request.get(_CALLER)
    if not isinstance(ext, Extension):
        raise RuntimeError("route is not behind Guard.middleware")
    return ext


def claims(request: web.Request) -> Claims:
    """The verified token of ``request`` (set by Guard.middleware)."""
    value = request.get(_CLAIMS)
    if not isinstance(value, Claims):
        raise RuntimeError("route is not behind Guard.middleware")
    return value


def user_json(ext: Extension) -> dict[str, str]:
    return {"number": ext.number, "name": ext.display_name, "role": ext.role}


class Guard:
    def __init__(self, config: PbxConfig, signer: TokenSigner, checker: PasswordChecker,
                 bans: BanList, ban_clock: Callable[[], float],
                 throttle: AccountThrottle) -> None:
        self._config = config
        self._signer = signer
        self._checker = checker
        self._bans = bans
        self._throttle = throttle
        # The clock the BanList was built with: its ban end times are in that clock.
        self._ban_clock = ban_clock

    @property
    def signer(self) -> TokenSigner:
        return self._signer

    @staticmethod
    def _address(request: web.Request) -> str:
        return request.remote or "unknown"

    def _refuse_banned(self, ip: str) -> None:
        if not self._bans.is_banned(ip):
            return
        until = self._bans.banned().get(ip, self._ban_clock() + 1)
        wait = max(1, math.ceil(until - self._ban_clock()))
        raise ApiError(429, "banned", f"Too many failed sign-ins from your address; "
                                      f"try again in {wait} seconds",
                       headers={"Retry-After": str(wait)})

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self._refuse_banned(self._address(request))
        match = request.match_info
        if match.http_exception is not None:
            return await handler(request)     # 404 / 405, answered as JSON by errors.py
        path = match.route.resource.canonical if match.route.resource else ""
        if path not in PUBLIC_PATHS:
            ext, verified = self.authenticate(request, allow_query=path == EVENTS_PATH)
            request[_CALLER], request[_CLAIMS] = ext, verified
        return await handler(request)

    def authenticate(self, request: web.Request,
                     allow_query: bool = False) -> tuple[Extension, Claims]:
        header = request.headers.get("Authorization")
        token: str | None = None
        if header is not None:
            scheme, _, value = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise self._unauthorized("invalid_token", "The Authorization header must be "
                                         "'Bearer <token>'")
            token = value.strip()
        elif allow_query:
            token = request.query.get("token") or None
        if token is None:
            raise ApiError(401, "missing_token", "Sign in first: send 'Authorization: Bearer "
                           f"<token>' with a token from POST {TOKEN_PATH}",
                           headers={"WWW-Authenticate": _CHALLENGE})
        try:
            verified = self._signer.verify(token)
        except TokenError as err:
            raise self._unauthorized(err.code, err.message) from None
        ext = self._config.extension(verified.user)
        if ext is None or ext.role != verified.role or ext.role == DOOR_ROLE:
            raise self._unauthorized("invalid_token", "Your account has changed since you "
                                     "signed in; sign in again")
        return ext, verified

    @staticmethod
    def _unauthorized(code: str, message: str) -> ApiError:
        # RFC 6750 section 3.1: both a bad and an expired token are "invalid_token".
        return ApiError(401, code, message,
                        headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'})

    def _refuse_throttled(self, user: str, ip: str) -> None:
        wait = self._throttle.wait(user, ip)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, "account_throttled",
                           f"Too many failed sign-ins for this account; try again in "
                           f"{seconds} seconds", headers={"Retry-After": str(seconds)})

    def _failed(self, user: str, ip: str) -> None:
        if self._bans.failed(ip):
            log.warning("API: %s banned for %d s after failed sign-ins (last as %r)", ip,
                        self._bans.ban_seconds, user,
                        extra={"event": "ban", "ip": ip, "user": user,
                               "seconds": self._bans.ban_seconds, "service": "api"})
        delay = self._throttle.failed(user)
        if delay:
            log.warning("API: sign-ins for %r slowed down for %d s after failures (last "
                        "from %s)", user, delay, ip,
                        extra={"event": "account_throttled", "ip": ip, "user": user,
                               "seconds": delay, "service": "api"})

    async def login(self, request: web.Request) -> web.Response:
        data = await read_json_object(request)
        require_fields(data, ("user", "password"), ("user", "password"))
        user, password = data["user"], data["password"]
        for name, value, limit in (("user", user, MAX_USER), ("password", password,
                                                               MAX_PASSWORD)):
            if not isinstance(value, str):
                raise invalid(f"Field '{name}' must be a string", field=name,
                              code="invalid_type")
            if len(value) > limit:
                raise invalid(f"Field '{name}' is longer than {limit} characters", field=name)
        ip = self._address(request)
        waiting = self._throttle.wait(user, ip) > 0
        ext = self._checker.check(user, password)
        if ext is None:
            self._failed(user, ip)      # HTTP runs over TCP: the source is proven
            self._refuse_banned(ip)
        if ext is None or waiting:
            # While the account is slowed down a right password gets the same answer.
            self._refuse_throttled(user, ip)
            raise ApiError(401, "invalid_credentials", "Wrong user name or password")
        if ext.role == DOOR_ROLE:
            # The right password, so not a guesser: no ban, but no token either.
            raise ApiError(403, "forbidden", "Door stations have no access to the client API")
        self._bans.succeeded(ip)
        token, _ = self._signer.issue(ext.number, ext.role)
        body: dict[str, Any] = {"token": token, "expires_in": int(self._signer.ttl),
                                "user": user_json(ext)}
        return web.json_response(body, headers={"Cache-Control": "no-store"})
