"""SDP (RFC 4566) parsing and serialising, and the rewriting a media-anchoring B2BUA needs.

The PBX anchors every call's media (see DESIGN.md): each SDP that passes through the
B2BUA has its connection address and audio port replaced by the relay's, while codecs,
``a=rtpmap``/``a=fmtp``, telephone-event (RFC 4733) and direction attributes pass through
untouched, so the two phones still negotiate with each other (RFC 3264 offer/answer).
Each leg keeps its own ``o=`` line (RFC 3264 section 8): ``OriginTracker``.

No I/O. Parse errors raise ``SdpError`` (a ValueError) naming the line and the problem.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

MAX_SDP_BYTES = 64 * 1024
MAX_MEDIA = 32
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
UNSPECIFIED = ("0.0.0.0", "::")

# RFC 4566 section 5: the line types, session part then media part, in their fixed order.
_SESSION_ORDER = "vosiuepcbtrzka"
_MEDIA_TYPES = frozenset("icbka")
# Attributes describing transport addresses the relay replaces, so they must not leak
# through to the other leg: RFC 3605 a=rtcp, and ICE (RFC 8839), which the relay does not do.
_TRANSPORT_ATTRIBUTES = frozenset({
    "rtcp", "candidate", "remote-candidates", "ice-ufrag", "ice-pwd", "ice-lite",
    "ice-options", "ice-mismatch", "end-of-candidates",
})


class SdpError(ValueError):
    """A session description that cannot be used; the message says which line and why."""


@dataclass
class Origin:
    """The o= line (RFC 4566 section 5.2)."""

    username: str
    session_id: str
    session_version: int
    nettype: str
    addrtype: str
    address: str

    def __str__(self) -> str:
        return (f"{self.username} {self.session_id} {self.session_version} "
                f"{self.nettype} {self.addrtype} {self.address}")


@dataclass
class MediaDescription:
    """One m= section (RFC 4566 section 5.14) with the lines that follow it."""

    media: str
    port: int
    proto: str
    formats: list[str]
    connection: str | None = None
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    port_count: int | None = None
    # i=, b= and k= lines, kept verbatim and in order.
    other: list[tuple[str, str]] = field(default_factory=list)

    def attribute(self, name: str) -> str | None:
        """Value of the first ``a=name:value``; "" for a flag attribute; None if absent."""
        for key, value in self.attributes:
            if key == name:
                return "" if value is None else value
        return None

    @property
    def direction(self) -> str | None:
        """The media-level direction attribute (RFC 3264 section 5.1), None if there is none."""
        for key, value in self.attributes:
            if value is None and key in DIRECTIONS:
                return key
        return None

    def rtpmap(self) -> dict[str, str]:
        """Payload type -> encoding ("0" -> "PCMU/8000") from the a=rtpmap lines."""
        out: dict[str, str] = {}
        for key, value in self.attributes:
            if key == "rtpmap" and value:
                pt, _, encoding = value.partition(" ")
                out[pt] = encoding.strip()
        return out


@dataclass
class SessionDescription:
    """A parsed session description; ``serialize`` turns it back into bytes."""

    origin: Origin
    session_name: str = "-"
    connection: str | None = None
    media: list[MediaDescription] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    # i=, u=, e=, p=, b=, t=, r=, z=, k= lines, verbatim and in order.
    other: list[tuple[str, str]] = field(default_factory=list)
    version: int = 0

    def first_audio(self) -> MediaDescription | None:
        return next((m for m in self.media if m.media == "audio"), None)

    def connection_of(self, media: MediaDescription) -> str | None:
        """The address that applies to ``media``: its own c= or the session's."""
        return media.connection if media.connection is not None else self.connection

    @property
    def direction(self) -> str:
        """Direction of the first audio stream, from the sender's point of view.

        Media-level attribute, else session-level, else sendrecv (RFC 3264 section 5.1).
        A connection address of 0.0.0.0 is the RFC 2543 way to put a call on hold
        (RFC 3264 section 8.4): the sender does not want to receive, so sendrecv becomes
        sendonly and recvonly becomes inactive. A disabled stream (port 0) or no audio
        at all is inactive.
        """
        audio = self.first_audio()
        if audio is None or audio.port == 0:
            return "inactive"
        direction = audio.direction
        if direction is None:
            direction = next(
                (k for k, v in self.attributes if v is None and k in DIRECTIONS), "sendrecv"
            )
        if _host(self.connection_of(audio)) in UNSPECIFIED:
            return {"sendrecv": "sendonly", "recvonly": "inactive"}.get(direction, direction)
        return direction


def _host(connection: str | None) -> str | None:
    # Multicast connection addresses carry /ttl[/count] (RFC 4566 section 5.7).
    return None if connection is None else connection.split("/", 1)[0]


def _parse_connection(value: str, lineno: int) -> str:
    parts = value.split()
    if len(parts) != 3:
        raise SdpError(f"line {lineno}: c= needs 'IN IP4|IP6 <address>', got {value!r}")
    nettype, addrtype, address = parts
    if nettype != "IN" or addrtype not in ("IP4", "IP6"):
        raise SdpError(f"line {lineno}: c= must be 'IN IP4' or 'IN IP6', got {value!r}")
    return address


def _parse_origin(value: str, lineno: int) -> Origin:
    parts = value.split()
    if len(parts) != 6:
        raise SdpError(f"line {lineno}: o= needs 6 fields, got {len(parts)}: {value!r}")
    username, session_id, version, nettype, addrtype, address = parts
    if not version.isdigit():
        raise SdpError(f"line {lineno}: o= session version must be a number, got {version!r}")
    return Origin(username, session_id, int(version), nettype, addrtype, address)


def _parse_media(value: str, lineno: int) -> MediaDescription:
    parts = value.split()
    if len(parts) < 4:
        raise SdpError(f"line {lineno}: m= needs '<media> <port> <proto> <fmt> ...', got {value!r}")
    media, port_text, proto, *formats = parts
    port_str, slash, count_str = port_text.partition("/")
    if not port_str.isdigit() or int(port_str) > 65535 or (slash and not count_str.isdigit()):
        raise SdpError(f"line {lineno}: m= port must be 0-65535[/count], got {port_text!r}")
    return MediaDescription(
        media=media, port=int(port_str), proto=proto, formats=formats,
        port_count=int(count_str) if slash else None,
    )


def _parse_attribute(value: str) -> tuple[str, str | None]:
    name, colon, rest = value.partition(":")
    return (name, rest) if colon else (name, None)


def parse_sdp(body: bytes) -> SessionDescription:
    """Parse an SDP body (RFC 4566); raises SdpError with the line number on bad input."""
    if len(body) > MAX_SDP_BYTES:
        raise SdpError(f"SDP body of {len(body)} bytes exceeds the limit of {MAX_SDP_BYTES}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpError(f"SDP is not UTF-8 (RFC 4566 section 5): {exc}") from None
    # RFC 4566 section 5 says CRLF, but also that parsers should accept a bare LF.
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise SdpError("SDP body is empty")
    if lines[0].strip() != "v=0":
        raise SdpError(f"line 1: SDP must start with 'v=0', got {lines[0][:40]!r}")
    origin: Origin | None = None
    sdp: SessionDescription | None = None
    session_name: str | None = None
    seen_t = False
    current: MediaDescription | None = None
    for lineno, line in enumerate(lines[1:], start=2):
        if len(line) < 2 or line[1] != "=" or not line[0].islower():
            raise SdpError(f"line {lineno}: expected '<letter>=<value>', got {line[:40]!r}")
        kind, value = line[0], line[2:]
        if kind == "m":
            if sdp is None:
                raise SdpError(f"line {lineno}: m= before the o= and s= lines")
            if len(sdp.media) >= MAX_MEDIA:
                raise SdpError(f"line {lineno}: more than {MAX_MEDIA} media descriptions")
            current = _parse_media(value, lineno)
            sdp.media.append(current)
        elif current is not None:
            if kind not in _MEDIA_TYPES:
                raise SdpError(f"line {lineno}: '{kind}=' is not allowed after an m= line")
            if kind == "c":
                if current.connection is not None:
                    raise SdpError(f"line {lineno}: second c= in one media description")
                current.connection = _parse_connection(value, lineno)
            elif kind == "a":
                current.attributes.append(_parse_attribute(value))
            else:
                current.other.append((kind, value))
        elif kind == "o":
            if origin is not None:
                raise SdpError(f"line {lineno}: second o= line")
            origin = _parse_origin(value, lineno)
        elif kind == "s":
            if sdp is not None:
                raise SdpError(f"line {lineno}: second s= line")
            if origin is None:
                raise SdpError(f"line {lineno}: s= before o= (RFC 4566 section 5 order)")
            session_name = value
            sdp = SessionDescription(origin=origin, session_name=value)
        elif kind not in _SESSION_ORDER or kind == "v" or sdp is None:
            raise SdpError(f"line {lineno}: unexpected '{kind}=' line in the session part")
        elif kind == "c":
            if sdp.connection is not None:
                raise SdpError(f"line {lineno}: second session-level c= line")
            sdp.connection = _parse_connection(value, lineno)
        elif kind == "a":
            sdp.attributes.append(_parse_attribute(value))
        else:
            seen_t = seen_t or kind == "t"
            sdp.other.append((kind, value))
    if origin is None or sdp is None or session_name is None:
        raise SdpError("SDP has no o= and s= lines (RFC 4566 section 5)")
    if not seen_t:
        raise SdpError("SDP has no t= line (RFC 4566 section 5.9)")
    for index, media in enumerate(sdp.media, start=1):
        if media.port != 0 and sdp.connection_of(media) is None:
            raise SdpError(f"m= line {index} ({media.media}) has no c= and the session has none")
    return sdp


def audio_endpoint(sdp: SessionDescription) -> tuple[str, int] | None:
    """Where the first audio stream wants RTP sent: (address, port).

    None when there is no audio stream, when it is disabled (port 0) and when its address
    is 0.0.0.0 / :: (RFC 3264 section 8.4 hold): in each case nothing must be sent to it.
    """
    audio = sdp.first_audio()
    if audio is None or audio.port == 0:
        return None
    host = _host(sdp.connection_of(audio))
    if host is None or host in UNSPECIFIED:
        return None
    return host, audio.port


def _addrtype(address: str) -> str:
    return "IP6" if ":" in address else "IP4"


def serialize(sdp: SessionDescription) -> bytes:
    """The session description as bytes, CRLF line ends, fields in RFC 4566 order."""
    return _join(f"v={sdp.version}", f"o={sdp.origin}", _after_origin(sdp))


def _join(version: str, origin: str, rest: str) -> bytes:
    return f"{version}\r\n{origin}\r\n{rest}".encode()


def _after_origin(sdp: SessionDescription) -> str:
    """Every line after o=, CRLF-terminated."""
    out = [f"s={sdp.session_name or '-'}"]
    order = {kind: i for i, kind in enumerate(_SESSION_ORDER)}
    before_c = [x for x in sdp.other if order[x[0]] < order["c"]]
    after_c = [x for x in sdp.other if order[x[0]] > order["c"]]
    out.extend(f"{k}={v}" for k, v in before_c)
    if sdp.connection is not None:
        out.append(f"c=IN {_addrtype(sdp.connection)} {sdp.connection}")
    out.extend(f"{k}={v}" for k, v in after_c)
    out.extend(_attribute_line(a) for a in sdp.attributes)
    for m in sdp.media:
        port = f"{m.port}/{m.port_count}" if m.port_count is not None else str(m.port)
        out.append(f"m={m.media} {port} {m.proto} {' '.join(m.formats)}")
        out.extend(f"{k}={v}" for k, v in m.other if k == "i")
        if m.connection is not None:
            out.append(f"c=IN {_addrtype(m.connection)} {m.connection}")
        out.extend(f"{k}={v}" for k, v in m.other if k != "i")
        out.extend(_attribute_line(a) for a in m.attributes)
    return "\r\n".join(out) + "\r\n"


def _attribute_line(attribute: tuple[str, str | None]) -> str:
    name, value = attribute
    return f"a={name}" if value is None else f"a={name}:{value}"


def clone(sdp: SessionDescription) -> SessionDescription:
    """A copy of ``sdp`` that shares nothing mutable with it. Built field by field: the
    values are strings, ints and tuples, and copy.deepcopy's generic walk was ~6 % of the
    PBX's CPU per call setup (py-spy, 300 calls/s)."""
    return SessionDescription(
        origin=dataclasses.replace(sdp.origin), session_name=sdp.session_name,
        connection=sdp.connection, attributes=list(sdp.attributes), other=list(sdp.other),
        version=sdp.version,
        media=[dataclasses.replace(m, formats=list(m.formats), attributes=list(m.attributes),
                                   other=list(m.other)) for m in sdp.media],
    )


def anchor(sdp: SessionDescription, address: str, port: int) -> SessionDescription:
    """A copy of ``sdp`` with its first audio stream pointed at the relay (address, port).

    - c= is set once at session level to the relay and removed from the media sections.
    - The first audio stream gets ``port``; an RFC 2543 hold (c=0.0.0.0) is turned into
      the equivalent direction attribute (RFC 3264 section 8.4), since the relay's
      address replaces the 0.0.0.0 that carried it.
    - Other streams are disabled (port 0, RFC 3264 section 6/8.2): the relay carries only
      the audio, and media that bypassed the PBX would defeat anchoring.
    - Transport attributes that described the peer (a=rtcp, ICE) are dropped; codecs,
      rtpmap/fmtp, telephone-event, ptime and direction attributes are kept as they are.
    """
    out = clone(sdp)
    audio = out.first_audio()
    hold_direction = sdp.direction
    held = audio is not None and _host(out.connection_of(audio)) in UNSPECIFIED
    out.connection = address
    out.attributes = [a for a in out.attributes if a[0] not in _TRANSPORT_ATTRIBUTES]
    for media in out.media:
        media.connection = None
        media.attributes = [a for a in media.attributes if a[0] not in _TRANSPORT_ATTRIBUTES]
        if media is audio:
            if media.port != 0:
                media.port = port
                media.port_count = None
            if held:
                media.attributes = [a for a in media.attributes if a[0] not in DIRECTIONS]
                media.attributes.append((hold_direction, None))
        else:
            media.port = 0
    return out


def rewrite_sdp(
    sdp: SessionDescription, address: str, port: int, *, session_version_bump: bool
) -> bytes:
    """``anchor`` and serialise, keeping the o= session id (RFC 3264 section 8).

    The o= address becomes the relay's; the version goes up by one when
    ``session_version_bump`` is set (the caller knows the content changed). For a leg
    that keeps its own o= line across offers and answers, use ``OriginTracker``.
    """
    out = anchor(sdp, address, port)
    out.origin.address = address
    out.origin.addrtype = _addrtype(address)
    if session_version_bump:
        out.origin.session_version += 1
    return serialize(out)


class OriginTracker:
    """The o= line the PBX uses towards one peer, for the life of one dialog.

    RFC 3264 section 8: a new offer or answer in a session keeps the session id and
    increments the version by exactly one if anything changed, and keeps it if the SDP is
    the same (e.g. a session refresh). Each B2BUA leg owns one tracker.
    """

    def __init__(
        self, address: str, *, username: str = "-", session_id: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        # RFC 4566 section 5.2 suggests an NTP timestamp; any number unique per
        # session will do, and 62 bits keep it a positive signed 64-bit integer.
        if session_id is None:
            session_id = (rng or random.SystemRandom()).getrandbits(62)
        ident = session_id
        self.origin = Origin(username, str(ident), ident, "IN", _addrtype(address), address)
        self._last_body: tuple[int, str] | None = None

    def render(self, sdp: SessionDescription) -> bytes:
        """Serialise ``sdp`` with this leg's o= line, bumping the version on a change.

        What is compared is v= and every line after o= (ours, whose version is what is
        being decided), so the body is serialised once, not twice.
        """
        rest = _after_origin(sdp)
        content = (sdp.version, rest)
        if self._last_body is not None and content != self._last_body:
            self.origin.session_version += 1
        self._last_body = content
        return _join(f"v={sdp.version}", f"o={self.origin}", rest)
