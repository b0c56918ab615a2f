"""Opening doors through the client API, and the audit log of who did.

POST /api/v1/doors/{number}/open: the PBX checks the caller's right to open that door
(Door.may_open), then POSTs to the door's relay with the relay's credentials, which no
client ever sees (DESIGN.md, "Door stations"). Every attempt on a configured door,
refused or failed ones too, is written to the audit log (softphone/pbx/doorlog.py);
administrators read it at GET /api/v1/doors/audit, a page at a time, filtered by door, user,
result and time. Each user may try security.door_opens_per_minute opens a minute (refused
ones count too): more get 429 and are not written, so nobody floods the log. The opening
is recorded before the relay is switched: when the log cannot be written the door stays
shut and the user gets 503 door_audit_unavailable saying why.

Relay answers: 2xx opened; 401/403 the relay refused the PBX's credentials
(502 door_refused: the configuration is wrong, not the user); anything else, a timeout or
no connection: 502 door_unreachable. Redirects are not followed, so the credentials go
only to the configured URL.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from softphone.pbx.api.errors import ApiError, invalid
from softphone.pbx.api.guard import caller
from softphone.pbx.config import Extension, PbxConfig
from softphone.pbx.doorlog import AuditRecord, DoorLog, DoorLogError, DoorResult
from softphone.pbx.doors import Door
from softphone.pbx.features.ban import BanList

log = logging.getLogger(__name__)

RELAY_TIMEOUT = 3.0       # seconds: a person is standing at the door waiting
MAX_RELAY_ANSWER = 4096   # bytes of the relay's answer read (for its "seconds")
AUDIT_LIMIT_MAX = 500
AUDIT_LIMIT_DEFAULT = 50
OPEN_WINDOW = 60.0        # seconds: security.door_opens_per_minute counts within this
MAX_OPENERS = 10_000      # users followed by the rate limit (bounded whatever happens)
_NUMBER = re.compile(r"[0-9]{2,6}")
_ID = re.compile(r"[0-9]{1,18}")


def refusal(door: Door, ext: Extension) -> str:
    """Why ``ext`` may not open ``door``, in words a person understands."""
    allowed = [f"roles {', '.join(door.open_roles)}" if len(door.open_roles) > 1
               else f"role {door.open_roles[0]}"] if door.open_roles else []
    if door.open_users:
        allowed.append(("extensions " if len(door.open_users) > 1 else "extension ")
                       + ", ".join(door.open_users))
    who = f"{ext.display_name} ({ext.number})"
    if not allowed:
        return f"{who} may not open {door.name}: nobody may open it through the PBX"
    return f"{who} may not open {door.name}: allowed are {' and '.join(allowed)}"


class RelayError(Exception):
    """``code`` is the API error code: door_unreachable or door_refused."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DoorRelay:
    """Talks to the doors' relays over one HTTP client session (opened with the app)."""

    def __init__(self, timeout: float = RELAY_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            cookie_jar=aiohttp.DummyCookieJar())

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def open(self, door: Door) -> float | None:
        """Open ``door``; the seconds it stays open if the relay says. RelayError else."""
        if self._session is None:
            raise RuntimeError("DoorRelay.start() was not awaited")
        assert door.relay_url is not None
        # HTTP Basic (RFC 7617) in UTF-8, as the relay's WWW-Authenticate asks.
        headers = ({"Authorization": aiohttp.encode_basic_auth(door.relay_user,
                                                               door.relay_password or "")}
                   if door.relay_user is not None else {})
        try:
            async with self._session.post(door.relay_url, headers=headers,
                                          allow_redirects=False) as response:
                status = response.status
                body = await response.content.read(MAX_RELAY_ANSWER)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            detail = str(exc) or type(exc).__name__
            raise RelayError("door_unreachable", f"The relay of {door.name} did not answer "
                                                 f"({detail})") from None
        if status in (401, 403):
            raise RelayError("door_refused", f"The relay of {door.name} refused the PBX's "
                                             f"credentials (HTTP {status}); the "
                                             f"administrator must fix relay_user/relay_password")
        if not 200 <= status < 300:
            raise RelayError("door_unreachable", f"The relay of {door.name} did not open "
                                                 f"(HTTP {status})")
        return _seconds(body)


def _seconds(body: bytes) -> float | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("seconds") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        return None
    return float(value)


class DoorsHandlers:
    def __init__(self, config: PbxConfig, relay: DoorRelay, audit: DoorLog,
                 clock: Callable[[], float], monotonic: Callable[[], float]) -> None:
        """``clock`` is wall time (audit records), ``monotonic`` the rate limit's."""
        self._config = config
        self._relay = relay
        self._audit = audit
        self._clock = clock
        # Every attempt counts; the limit-th within a minute shuts the user out for a
        # minute (logged once). Kept in memory: a restart forgives, the audit remembers.
        self._attempts = BanList(config.security.door_opens_per_minute, OPEN_WINDOW,
                                 OPEN_WINDOW, monotonic, self._limited,
                                 max_tracked=MAX_OPENERS, max_banned=MAX_OPENERS)

    def _limited(self, user: str) -> None:
        log.warning("door opens: %s made %d attempts within %d s; further ones refused for "
                    "%d s", user, self._config.security.door_opens_per_minute, OPEN_WINDOW,
                    OPEN_WINDOW, extra={"event": "door_rate_limited", "user": user})

    def _record(self, ext: Extension, door: Door, result: DoorResult, reason: str,
                row: int | None = None) -> int:
        """Write the attempt (or, given ``row``, the outcome of the opening begun there)
        and log it; the row id. DoorLogError when the audit log cannot be written."""
        try:
            if row is None:
                row = self._audit.record(AuditRecord(self._clock(), ext.number, door.number,
                                                     result, reason))
            else:
                self._audit.finish(row, result, reason)
        except DoorLogError as err:
            log.error("door audit log cannot be written (%s): door %s %s for %s not recorded",
                      err, door.number, result.value, ext.number,
                      extra={"event": "door_audit_failed", "door": door.number,
                             "user": ext.number, "result": result.value})
            raise
        log.info("door %s (%s) %s for %s%s", door.number, door.name, result.value, ext.number,
                 f": {reason}" if reason else "",
                 extra={"event": "door_opening" if result is DoorResult.OPENING else "door_open",
                        "door": door.number, "user": ext.number,
                        "result": result.value, "reason": reason})
        return row

    def _note(self, ext: Extension, door: Door, result: DoorResult, reason: str,
              row: int | None = None) -> None:
        """Record what does not decide whether the door opens (a refusal, an outcome after
        the "opening" row): a log that cannot be written is logged (by _record) but does
        not change the user's answer; an "opening" row stays as it was."""
        try:
            self._record(ext, door, result, reason, row)
        except DoorLogError:
            pass

    async def open(self, request: web.Request) -> web.Response:
        ext = caller(request)
        number = request.match_info["number"]
        door = self._config.door(number)
        if door is None:
            raise ApiError(404, "unknown_door", f"There is no door with number {number}")
        if self._attempts.is_banned(ext.number):
            raise ApiError(429, "door_rate_limited",
                           f"Too many attempts to open doors: at most "
                           f"{self._config.security.door_opens_per_minute} a minute; "
                           f"try again in a minute",
                           headers={"Retry-After": str(int(OPEN_WINDOW))})
        self._attempts.failed(ext.number)
        if not door.may_open(ext):
            reason = refusal(door, ext)
            self._note(ext, door, DoorResult.REFUSED, reason)
            raise ApiError(403, "door_forbidden", reason)
        if door.relay_url is None:
            reason = f"{door.name} has no relay configured"
            self._note(ext, door, DoorResult.FAILED, reason)
            raise ApiError(409, "door_no_relay", reason)
        # The record first, committed to disk; only then the relay (no unrecorded opening).
        try:
            row = self._record(ext, door, DoorResult.OPENING, "")
        except DoorLogError as err:
            raise ApiError(503, "door_audit_unavailable",
                           f"{door.name} stays shut: the opening cannot be recorded in the "
                           f"door audit log ({err}); tell the administrator") from None
        # Shielded: a client hanging up mid-request must not leave the attempt unlogged.
        attempt = asyncio.ensure_future(self._open(ext, door, row))
        # Its outcome is in the audit log even when nobody awaits it any more.
        attempt.add_done_callback(lambda t: t.cancelled() or t.exception())
        seconds = await asyncio.shield(attempt)
        body: dict[str, Any] = {"door": door.number, "opened": True, "seconds": seconds}
        return web.json_response(body)

    async def _open(self, ext: Extension, door: Door, row: int) -> float | None:
        try:
            seconds = await self._relay.open(door)
        except RelayError as err:
            self._note(ext, door, DoorResult.FAILED, f"{err.code}: {err.message}", row)
            raise ApiError(502, err.code, err.message) from None
        self._note(ext, door, DoorResult.OPENED, "", row)
        return seconds


    async def audit(self, request: web.Request) -> web.Response:
        ext = caller(request)
        if ext.role != "admin":
            raise ApiError(403, "forbidden", "Only an administrator may read the door audit log")
        q = request.query
        for field in ("door", "user"):
            value = q.get(field)
            if value is not None and not _NUMBER.fullmatch(value):
                raise invalid(f"'{value[:20]}' is not a number of 2-6 digits", field=field)
        result = q.get("result")
        if result is not None and result not in {r.value for r in DoorResult}:
            raise invalid(f"'result' must be one of {', '.join(DoorResult)}", field="result")
        before = q.get("before")
        if before is not None and not _ID.fullmatch(before):
            raise invalid("'before' must be a record id (a whole number)", field="before")
        raw = q.get("limit", str(AUDIT_LIMIT_DEFAULT))
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3
                and 1 <= int(raw) <= AUDIT_LIMIT_MAX):
            raise invalid(f"'limit' must be a whole number from 1 to {AUDIT_LIMIT_MAX}",
                          field="limit")
        limit = int(raw)
        records = self._audit.records(
            q.get("door"), limit, user=q.get("user"),
            result=DoorResult(result) if result is not None else None,
            since=_time(q, "since"), until=_time(q, "until"),
            before=int(before) if before is not None else None)
        # ?before=<next> gives the next (older) page; null: this was the last.
        after = records[-1].id if len(records) == limit else None
        return web.json_response({"records": [r.to_json() for r in records], "next": after})


def _time(query: Any, field: str) -> float | None:
    """An ISO 8601 time with its offset (``2026-01-31T08:00:00Z``) as epoch seconds."""
    value = query.get(field)
    if value is None:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(value)
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise invalid(f"'{field}' must be an ISO 8601 time with an offset, such as "
                      f"2026-01-31T08:00:00Z", field=field)
    return stamp.timestamp()
