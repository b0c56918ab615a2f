"""The protocol between the GUI and the telephony engine process.

Transport: the GUI listens on a local socket (a Unix domain socket; QLocalServer) and starts
`softphone-engine --socket PATH`; the engine connects to it. Both sides then exchange
newline-delimited JSON objects (UTF-8, one object per line, at most MAX_LINE bytes):

    request   GUI -> engine  {"type": "request", "id": 7, "cmd": "call", "args": {...}}
    response  engine -> GUI  {"type": "response", "id": 7, "ok": true, "result": {...}}
                             {"type": "response", "id": 7, "ok": false,
                              "error": "no_account", "detail": "..."}
    event     engine -> GUI  {"type": "event", "event": "call", "data": {...}}

Requests go down, events come up. The engine emits codes (ErrorCode, CallState, ...),
never sentences: the GUI turns them into translated words. Every call is named by the
engine's `call_id` (a string). Commands and their arguments are listed in COMMANDS; a
request with an unknown command or missing/extra argument gets ok=false, "bad_request".

Call waiting: a second call that comes in while one is ACTIVE is reported INCOMING like
any other; the engine does not ring the ringer for it but mixes a knock tone into the
conversation (switched with "set_call_waiting_tone"); the GUI decides (answer after
hold or hangup of the first, or "reject" with code 486 so the caller hears busy).

Events (data fields):
    ready          version, pjsip, null_audio (bool), devices (list of AudioDevice dicts)
    registration   RegistrationInfo
    call           CallInfo (sent on every change of any field)
    audio          AudioStatus (devices, chosen input/output/ringer, null_audio, error code)
    dtmf           call_id, digit (received from the remote side, RFC 4733)
    transfer       call_id, state ("trying"|"accepted"|"done"|"failed"), code
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE = 1 << 20


class RegState(StrEnum):
    NONE = "none"                  # no account configured
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"              # the server refused (code/reason say why); retry scheduled
    RETRYING = "retrying"          # network/timeout: retrying by itself
    UNREGISTERED = "unregistered"


class CallState(StrEnum):
    CALLING = "calling"            # outgoing, INVITE sent
    RINGING_OUT = "ringing_out"    # outgoing, remote is ringing (180/183)
    INCOMING = "incoming"          # incoming, we are ringing
    CONNECTING = "connecting"      # answered, waiting for ACK/media
    ACTIVE = "active"
    HELD = "held"                  # we put it on hold
    REMOTE_HELD = "remote_held"    # the other side put us on hold
    ENDED = "ended"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    NO_ACCOUNT = "no_account"
    NO_SUCH_CALL = "no_such_call"
    INVALID_NUMBER = "invalid_number"
    INVALID_STATE = "invalid_state"        # e.g. answer an outgoing call
    AUDIO_DEVICE = "audio_device"          # the chosen device could not be opened
    TRANSPORT = "transport"                # cannot create the SIP transport (port/TLS)
    INTERNAL = "internal"


@dataclass
class AccountConfig:
    user: str
    password: str
    server: str                    # host or host:port
    transport: str = "udp"         # udp | tcp | tls
    display_name: str = ""
    register: bool = True


@dataclass
class RegistrationInfo:
    state: RegState
    code: int = 0                  # SIP status of the last REGISTER (0: none/network)
    reason: str = ""               # the server's reason phrase, shown as it came
    expires: int = 0
    retry_in: int = 0              # seconds until the next attempt, when retrying/failed


@dataclass
class CallInfo:
    call_id: str
    state: CallState
    direction: Direction
    remote_number: str = ""
    remote_name: str = ""
    remote_uri: str = ""
    code: int = 0                  # SIP status of the end (486 busy, 487 cancelled, ...)
    reason: str = ""
    cause: str = ""                # Reason header of the end, "Q.850;20" (call_outcome.py)
    answered_by: str = ""          # the extension that answered elsewhere (CANCEL's Reason)
    transferred_from: str = ""     # the number talked to before the PBX moved the call
    muted: bool = False
    started_at: float = 0.0        # epoch seconds
    connected_at: float = 0.0      # 0 until answered
    ended_at: float = 0.0


@dataclass
class AudioDevice:
    name: str
    inputs: int
    outputs: int


@dataclass
class AudioStatus:
    devices: list[AudioDevice] = field(default_factory=list)
    input: str | None = None       # None: the system default
    output: str | None = None
    ringer: str | None = None
    null_audio: bool = False       # no device at all: the engine runs on a null device
    error: str = ""                # ErrorCode value when a chosen device failed


# cmd -> (required args, optional args)
COMMANDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "hello": (frozenset(), frozenset({"version"})),
    "set_account": (frozenset({"user", "password", "server"}),
                    frozenset({"transport", "display_name", "register"})),
    "unregister": (frozenset(), frozenset()),
    "call": (frozenset({"target"}), frozenset()),         # a number or a sip: URI
    "answer": (frozenset({"call_id"}), frozenset()),
    "reject": (frozenset({"call_id"}), frozenset({"code"})),   # default 486 (busy)
    "hangup": (frozenset({"call_id"}), frozenset()),
    "hold": (frozenset({"call_id"}), frozenset()),
    "resume": (frozenset({"call_id"}), frozenset()),
    "mute": (frozenset({"call_id", "muted"}), frozenset()),
    "dtmf": (frozenset({"call_id", "digits"}), frozenset()),
    "transfer_blind": (frozenset({"call_id", "target"}), frozenset()),
    "transfer_attended": (frozenset({"call_id", "to_call_id"}), frozenset()),
    "list_audio": (frozenset(), frozenset()),
    "set_audio": (frozenset(), frozenset({"input", "output", "ringer"})),
    "set_ringtone": (frozenset(), frozenset({"path", "enabled"})),
    # The call-waiting knock (default on): a double beep every 3 s mixed into what the user
    # hears while a call is INCOMING during an ACTIVE one; never sent to the other party.
    "set_call_waiting_tone": (frozenset({"enabled"}), frozenset()),
    "shutdown": (frozenset(), frozenset()),
}


class ProtocolError(ValueError):
    pass


def encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise ProtocolError("line too long")
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(obj, dict) or obj.get("type") not in ("request", "response", "event"):
        raise ProtocolError("not a protocol message")
    return obj


def request(req_id: int, cmd: str, **args: Any) -> dict[str, Any]:
    return {"type": "request", "id": req_id, "cmd": cmd, "args": args}


def response(req_id: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "response", "id": req_id, "ok": True, "result": result or {}}


def error(req_id: int, code: ErrorCode, detail: str = "") -> dict[str, Any]:
    return {"type": "response", "id": req_id, "ok": False, "error": code.value, "detail": detail}


def event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event", "event": name, "data": data}


def validate_request(obj: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    """(id, cmd, args) of a well-formed request; ProtocolError says what is wrong."""
    req_id, cmd, args = obj.get("id"), obj.get("cmd"), obj.get("args", {})
    if not isinstance(req_id, int) or not isinstance(cmd, str) or not isinstance(args, dict):
        raise ProtocolError("request needs int id, str cmd, object args")
    if cmd not in COMMANDS:
        raise ProtocolError(f"unknown command {cmd!r}")
    required, optional = COMMANDS[cmd]
    missing = required - args.keys()
    extra = args.keys() - required - optional
    if missing or extra:
        raise ProtocolError(f"{cmd}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return req_id, cmd, args


def to_data(obj: Any) -> dict[str, Any]:
    """A dataclass as event data (enums as their values)."""
    return json.loads(json.dumps(asdict(obj), default=str))


def call_info(data: dict[str, Any]) -> CallInfo:
    known = {f.name for f in fields(CallInfo)}
    values = {k: v for k, v in data.items() if k in known}
    values["state"] = CallState(values["state"])
    values["direction"] = Direction(values["direction"])
    return CallInfo(**values)


def registration_info(data: dict[str, Any]) -> RegistrationInfo:
    known = {f.name for f in fields(RegistrationInfo)}
    values = {k: v for k, v in data.items() if k in known}
    values["state"] = RegState(values["state"])
    return RegistrationInfo(**values)


def audio_status(data: dict[str, Any]) -> AudioStatus:
    devices = [AudioDevice(**d) for d in data.get("devices", [])]
    rest = {k: v for k, v in data.items() if k != "devices" and k in AudioStatus.__annotations__}
    return AudioStatus(devices=devices, **rest)
