"""The client's logging: text for people (the default), or ``--log-format json``: one JSON
object per line on stderr (softphone.common.jsonlog) for tests and benchmarks that start the
real GUI as a subprocess and wait for its lines, as qutebrowser's end-to-end tests do.

Key events of the engine carry an ``event`` field:

    {"event": "engine_running"}                               engine connected and ready
    {"event": "engine_state", "state": "lost"}                every other engine state
    {"event": "registration", "state": "registered", "code": 200}
    {"event": "call", "call_id": "1", "state": "ringing_out", "direction": "out"}

They are plain log records, so the text format shows them too.
"""

from __future__ import annotations

import logging
import sys

from softphone.common.engine_protocol import CallInfo, CallState, RegistrationInfo
from softphone.common.jsonlog import JsonFormatter
from softphone.gui.engine_backend import EngineBackend, EngineState
from softphone.gui.pbx_backend import PbxBackend

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("softphone.gui.events")


def setup_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """Log to stderr, as text or as JSON lines; replaces the root logger's handlers."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _engine_state(state: str) -> None:
    if state == EngineState.RUNNING:
        log.info("telephony engine running", extra={"event": "engine_running"})
    else:
        log.info("telephony engine %s", state, extra={"event": "engine_state", "state": state})


def _registration(info: RegistrationInfo) -> None:
    log.info("registration %s (%s %s)", info.state.value, info.code, info.reason,
             extra={"event": "registration", "state": info.state.value, "code": info.code})


class _CallLog:
    """One line per call state change (the engine reports a call again whenever anything
    about it changes: media, hold, the remote name)."""

    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    def __call__(self, info: CallInfo) -> None:
        if self._states.get(info.call_id) == info.state.value:
            return
        self._states[info.call_id] = info.state.value
        if info.state == CallState.ENDED:
            del self._states[info.call_id]
        log.info("call %s %s", info.call_id, info.state.value,
                 extra={"event": "call", "call_id": info.call_id, "state": info.state.value,
                        "direction": info.direction.value, "code": info.code})


def log_engine_events(engine: EngineBackend) -> None:
    """Log the engine's state, registration and call changes as they come up."""
    engine.engine_state_changed.connect(_engine_state)
    engine.registration_changed.connect(_registration)
    engine.call_changed.connect(_CallLog())


def log_pbx_events(pbx: PbxBackend) -> None:
    """Log the client API connection's state and each directory load."""
    pbx.connection_state_changed.connect(
        lambda state: log.info("PBX connection %s", state,
                               extra={"event": "pbx_connection", "state": state}))
    pbx.directory_changed.connect(
        lambda entries: log.info("directory: %d entries", len(entries),
                                 extra={"event": "directory", "entries": len(entries)}))
