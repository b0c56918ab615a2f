"""The doors' cameras through the PBX: short-lived video links and the MJPEG relay.

Placeholder wired into create_api(); issue 6 fills it in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from softphone.pbx.config import PbxConfig

# GET of this route carries its own short-lived token in ?token= (players cannot send an
# Authorization header), so Guard lets it through and the handler checks the token.
STREAM_ROUTE = "/api/v1/doors/{number:[0-9]{2,6}}/video.mjpg"
PATHS: dict[str, Any] = {}
SCHEMAS: dict[str, Any] = {}


def add_video_routes(app: web.Application, config: PbxConfig, secret: bytes,
                     clock: Callable[[], float]) -> None:
    """Register the video routes on ``app`` (and the relay's cleanup on shutdown)."""
