"""The doors' cameras through the PBX: short-lived video links and the MJPEG relay.

POST /api/v1/doors/{number}/video (Bearer) hands a signed-in user a link valid for
VIDEO_TTL seconds (videotoken.py); GET of that link (.../video.mjpg?token=...) is checked
once, when the stream opens, and then relays the door's camera from the one shared upstream
connection per door (softphone/pbx/media/videorelay.py). Clients never learn the camera's
address unless the door is configured with direct_video (same LAN, no PBX hop).
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web

from softphone.pbx.api.errors import ApiError
from softphone.pbx.api.oas import NUMBER_PATTERN, error_response, errors, json_response, ref
from softphone.pbx.api.signing import TokenError
from softphone.pbx.api.videotoken import VideoTokens, derive_video_key
from softphone.pbx.config import PbxConfig
from softphone.pbx.doors import DOOR_ROLE, Door
from softphone.pbx.media.videorelay import DoorUnreachable, VideoRelay

log = logging.getLogger(__name__)

# GET of this route carries its own short-lived token in ?token= (players cannot send an
# Authorization header), so Guard lets it through and the handler checks the token.
STREAM_ROUTE = "/api/v1/doors/{number:[0-9]{2,6}}/video.mjpg"
LINK_ROUTE = "/api/v1/doors/{number:[0-9]{2,6}}/video"
BOUNDARY = "frame"
# Unsent bytes the kernel may hold per viewer before it reports the socket busy: a few
# frames. Without it a slow viewer's send buffer grows to megabytes (Linux autotunes it up
# to tcp_wmem's maximum) and the frames queued there are seconds old when they arrive; with
# it the handler waits and its newest-frame slot skips frames instead (the latency-bound
# streaming case TCP_NOTSENT_LOWAT was made for).
NOTSENT_LOWAT = 32 * 1024
VIDEO_RELAY = web.AppKey("door_video_relay", VideoRelay)
_CHALLENGE = 'Bearer realm="softphone-pbx", error="invalid_token"'


class DoorVideoHandlers:
    def __init__(self, config: PbxConfig, tokens: VideoTokens, relay: VideoRelay) -> None:
        self._config = config
        self._tokens = tokens
        self._relay = relay

    def _door(self, number: str) -> tuple[Door, str]:
        door = self._config.door(number)
        if door is None:
            raise ApiError(404, "unknown_door", f"There is no door {number}")
        if door.video_url is None:
            raise ApiError(404, "door_no_video", f"Door {number} has no camera")
        return door, door.video_url

    async def link(self, request: web.Request) -> web.Response:
        """POST .../video: a short-lived link to the door's camera."""
        # Imported here: guard.py imports this module for STREAM_ROUTE.
        from softphone.pbx.api.guard import caller

        ext = caller(request)
        if ext.role == DOOR_ROLE:
            raise ApiError(403, "forbidden", "Door stations cannot watch cameras")
        number = request.match_info["number"]
        door, _ = self._door(number)
        token, _claims = self._tokens.issue(door.number, ext.number)
        path = STREAM_ROUTE.replace("{number:[0-9]{2,6}}", door.number)
        body: dict[str, Any] = {
            "url": f"{self._base(request)}{path}?token={token}",
            "expires_in": int(self._tokens.ttl),
            "direct_url": door.video_url if door.direct_video else None,
        }
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    def _base(self, request: web.Request) -> str:
        """scheme://host:port of the API as configured, never the request's Host header
        (anyone can send any Host, and the link would send viewers and the token there):
        sip.public_address, else the address the client reached us at."""
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        local, port = (sockname[0], sockname[1]) if sockname else (self._config.api.host,
                                                                   self._config.api.port)
        host = self._config.sip.public_address or local
        host = f"[{host}]" if ":" in host else host
        return f"{request.scheme}://{host}:{port}"

    def _check_token(self, request: web.Request, number: str) -> str:
        """The user the link was issued to; 401 for a missing, bad or expired link."""
        token = request.query.get("token", "")
        try:
            if not token:
                raise TokenError("invalid_token", "The video link has no token; ask for "
                                 f"a new one with POST /api/v1/doors/{number}/video")
            claims = self._tokens.verify(token, number)
            ext = self._config.extension(claims.user)
            if ext is None or ext.role == DOOR_ROLE:
                raise TokenError("invalid_token", "The video link's user no longer exists")
        except TokenError as err:
            raise ApiError(401, err.code, err.message,
                           headers={"WWW-Authenticate": _CHALLENGE}) from None
        return claims.user

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """GET .../video.mjpg?token=: the door's camera as multipart/x-mixed-replace."""
        number = request.match_info["number"]
        user = self._check_token(request, number)
        door, url = self._door(number)
        try:
            feed, viewer = await self._relay.watch(door.number, url)
        except DoorUnreachable as exc:
            log.warning("door %s: camera unreachable: %s", door.number, exc,
                        extra={"event": "door_video_unreachable", "door": door.number,
                               "reason": str(exc)})
            raise ApiError(502, "door_unreachable",
                           f"The camera of door {door.number} does not answer") from None
        log.info("door %s: %s watches", door.number, user,
                 extra={"event": "door_video_viewer", "door": door.number, "user": user})
        response = web.StreamResponse(headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
            "Cache-Control": "no-cache, no-store, private",
            "Pragma": "no-cache",
        })
        _bound_backlog(request)
        try:
            await response.prepare(request)
            while (jpeg := await viewer.next()) is not None:
                head = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                        f"Content-Length: {len(jpeg)}\r\n\r\n").encode()
                await response.write(head + jpeg + b"\r\n")
                # aiohttp drains only every 64 KB; wait for each frame to leave instead.
                await request.writer.drain()
            # The door's stream ended: close the multipart body (RFC 2046 section 5.1.1).
            await response.write(f"--{BOUNDARY}--\r\n".encode())
            await response.write_eof()
        except ConnectionError:
            pass                   # the viewer went away
        finally:
            feed.leave(viewer)
        return response


def _bound_backlog(request: web.Request) -> None:
    """Keep a slow viewer's queue to a few frames: in the kernel and in asyncio."""
    transport = request.transport
    if transport is None:
        return
    transport.set_write_buffer_limits(high=NOTSENT_LOWAT)
    option = getattr(socket, "TCP_NOTSENT_LOWAT", None)    # Linux, macOS
    sock = transport.get_extra_info("socket")
    if option is not None and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, option, NOTSENT_LOWAT)


def add_video_routes(app: web.Application, config: PbxConfig, secret: bytes,
                     clock: Callable[[], float]) -> None:
    """Register the video routes on ``app`` (and the relay's cleanup on shutdown)."""
    relay = VideoRelay()
    app[VIDEO_RELAY] = relay
    handlers = DoorVideoHandlers(config, VideoTokens(derive_video_key(secret), clock), relay)

    async def close_relay(_: web.Application) -> None:
        await relay.close()    # ends the viewers' streams, which would hold up shutdown

    app.on_shutdown.append(close_relay)
    app.router.add_post(LINK_ROUTE, handlers.link)
    app.router.add_get(STREAM_ROUTE, handlers.stream, allow_head=False)


_NUMBER_PARAM = {"name": "number", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": NUMBER_PATTERN,
                            "description": "A door's number"}}
_NOT_FOUND = error_response("No such door (unknown_door), or it has no camera (door_no_video)")
SCHEMAS: dict[str, Any] = {
    "DoorVideoLink": {
        "type": "object", "required": ["url", "expires_in", "direct_url"],
        "properties": {
            "url": {"type": "string", "description": "The stream through the PBX; open it "
                                                     "within expires_in seconds"},
            "expires_in": {"type": "integer", "description": "Seconds"},
            "direct_url": {"type": ["string", "null"],
                           "description": "The camera's own URL when the door allows direct "
                                          "viewing (same network), else null"},
        },
    },
}
PATHS: dict[str, Any] = {
    "/api/v1/doors/{number}/video": {"post": {
        "operationId": "doorVideoLink",
        "summary": "A short-lived link to a door's camera (any signed-in user)",
        "parameters": [_NUMBER_PARAM],
        "responses": {
            "200": json_response(ref("schemas", "DoorVideoLink"), "The link"),
            "403": error_response("Door stations cannot watch (forbidden)"),
            "404": _NOT_FOUND,
            **errors(401)},
    }},
    "/api/v1/doors/{number}/video.mjpg": {"get": {
        "operationId": "doorVideoStream",
        "summary": "The door's camera as MJPEG, relayed by the PBX",
        "description": (
            "multipart/x-mixed-replace; each part is one JPEG with Content-Type image/jpeg "
            "and Content-Length. The token from POST /api/v1/doors/{number}/video is checked "
            "when the stream opens; the stream ends when the door's camera stops (ask for a "
            "new link to reconnect)."),
        "security": [],
        "parameters": [_NUMBER_PARAM,
                       {"name": "token", "in": "query", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The stream", "content": {"multipart/x-mixed-replace": {
                "schema": {"type": "string", "format": "binary"}}}},
            "404": _NOT_FOUND,
            "502": error_response("The door's camera does not answer (door_unreachable)"),
            **errors(401)},
    }},
}
