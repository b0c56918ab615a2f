"""SIP message model (RFC 3261 section 7): requests, responses and their headers.

Pure data, no I/O. The parser (parser.py) builds these; every layer above reads and
writes them. Header names are kept in their canonical long form, so compact forms
("v", "f", "i", ...) never reach the layers above the parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from softphone.pbx.sip.address import AddressError, NameAddr, Via

# RFC 3261 section 7.3.3 compact forms, plus the ones registered later (RFC 3515, 3841, 4028).
COMPACT_FORMS = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To",
    "v": "Via", "o": "Event", "r": "Refer-To", "b": "Referred-By", "u": "Allow-Events",
    "x": "Session-Expires", "a": "Accept-Contact", "j": "Reject-Contact",
    "d": "Request-Disposition",
}

_SPECIAL_CASE = {
    "call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate",
    "mime-version": "MIME-Version", "rack": "RAck", "rseq": "RSeq",
    "sip-etag": "SIP-ETag", "sip-if-match": "SIP-If-Match",
}

# Headers whose values may be comma-separated lists (RFC 3261 section 7.3.1). Others
# (WWW-Authenticate, Authorization, Date, ...) contain commas that are not list separators.
LIST_HEADERS = frozenset({
    "Via", "Contact", "Route", "Record-Route", "Allow", "Supported", "Require",
    "Proxy-Require", "Unsupported", "Accept", "Accept-Encoding", "Accept-Language",
    "Allow-Events", "Content-Encoding", "In-Reply-To", "Path", "Service-Route",
})

REASONS = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 200: "OK", 202: "Accepted", 301: "Moved Permanently",
    302: "Moved Temporarily", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
    420: "Bad Extension", 421: "Extension Required", 423: "Interval Too Brief",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 482: "Loop Detected",
    483: "Too Many Hops", 484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending",
    500: "Server Internal Error", 501: "Not Implemented", 503: "Service Unavailable",
    505: "Version Not Supported", 513: "Message Too Large", 600: "Busy Everywhere",
    603: "Decline", 604: "Does Not Exist Anywhere",
}


_T = TypeVar("_T")

# Memo of canonical_name: every header access canonicalises its name, and computing it took
# 15 % of the PBX's REGISTER CPU (py-spy, 1,000 REGISTER/s). Names seen are few (the ones we
# use plus what peers send), but a peer chooses them, so the memo stops growing at a bound.
_CANONICAL: dict[str, str] = {}
_CANONICAL_MAX = 4096


def canonical_name(name: str) -> str:
    """Long, conventionally capitalised form of a header name ("v" -> "Via")."""
    cached = _CANONICAL.get(name)
    if cached is not None:
        return cached
    low = name.strip().lower()
    if low in COMPACT_FORMS:
        result = COMPACT_FORMS[low]
    elif low in _SPECIAL_CASE:
        result = _SPECIAL_CASE[low]
    else:
        result = "-".join(part.capitalize() for part in low.split("-"))
    if len(_CANONICAL) < _CANONICAL_MAX:
        _CANONICAL[name] = result
    return result


def split_list(value: str) -> list[str]:
    """Split a list-valued header at commas outside quotes and angle brackets."""
    if "," not in value:
        # Nearly every list header holds one element (one Via, one Contact): no scan.
        stripped = value.strip()
        return [stripped] if stripped else []
    if '"' not in value and "<" not in value:
        return [p for p in (part.strip() for part in value.split(",")) if p]
    parts: list[str] = []
    depth_angle = 0
    in_quote = False
    escaped = False
    start = 0
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif in_quote:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
        elif ch == "<":
            depth_angle += 1
        elif ch == ">":
            depth_angle = max(0, depth_angle - 1)
        elif ch == "," and depth_angle == 0:
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


class Headers:
    """Ordered, case-insensitive multi-map of header name -> raw value.

    Each stored entry is one header line's value (folded lines already unfolded by the
    parser). `get_all` splits list headers into their elements.

    It also keeps the parsed forms of its values (top Via, From, To, CSeq: see `parsed`),
    each dropped when a header of its name changes, so each is parsed once per message
    however many layers ask (stamping the Via keeps the parsed From and To):
    before this cache a REGISTER parsed its From/To six times and its Via four times.
    """

    __slots__ = ("_cache", "_items")

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str]] = []
        self._cache: dict[str, Any] = {}
        for name, value in items or []:
            self.add(name, value)

    def parsed(self, name: str, parse: Callable[[], _T]) -> _T:
        """``parse()``'s result for header ``name`` (canonical form), computed once until a
        header of that name changes. What it returns is shared: treat it as read-only (change
        the header instead). Exceptions are not cached: a bad value raises each time."""
        cache = self._cache
        if name in cache:
            return cache[name]
        value = cache[name] = parse()
        return value

    def remember(self, name: str, value: object) -> None:
        """Store the parsed form of header ``name`` (the parser validated it, the transport
        stamped it): nobody parses it again."""
        self._cache[name] = value

    def add(self, name: str, value: str) -> None:
        cname = canonical_name(name)
        self._items.append((cname, value))
        self._cache.pop(cname, None)

    def prepend(self, name: str, value: str) -> None:
        cname = canonical_name(name)
        self._items.insert(0, (cname, value))
        self._cache.pop(cname, None)

    def set(self, name: str, value: str) -> None:
        """Replace every entry of `name` with one, kept at the first one's position."""
        cname = canonical_name(name)
        self._cache.pop(cname, None)
        for i, (n, _) in enumerate(self._items):
            if n == cname:
                self._items[i] = (cname, value)
                self._items = [
                    it for j, it in enumerate(self._items) if j <= i or it[0] != cname
                ]
                return
        self._items.append((cname, value))

    def replace_first(self, name: str, value: str) -> None:
        """Replace the first element of a list header (the top Via), keeping the others."""
        cname = canonical_name(name)
        self._cache.pop(cname, None)
        for i, (n, v) in enumerate(self._items):
            if n == cname:
                rest = split_list(v)[1:]
                self._items[i] = (cname, ", ".join([value, *rest]))
                return
        self._items.append((cname, value))

    def remove(self, name: str) -> None:
        cname = canonical_name(name)
        self._cache.pop(cname, None)
        self._items = [it for it in self._items if it[0] != cname]

    def get(self, name: str, default: str | None = None) -> str | None:
        cname = canonical_name(name)
        for n, v in self._items:
            if n == cname:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        """All values of `name`; list headers are split into their elements."""
        cname = canonical_name(name)
        values = [v for n, v in self._items if n == cname]
        if cname in LIST_HEADERS:
            return [part for v in values for part in split_list(v)]
        return values

    def count(self, name: str) -> int:
        cname = canonical_name(name)
        return sum(1 for n, _ in self._items if n == cname)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def copy(self) -> Headers:
        h = Headers()
        h._items = list(self._items)
        return h

    @classmethod
    def canonical(cls, items: list[tuple[str, str]]) -> Headers:
        """Headers from (name, value) pairs whose names are already canonical (taken from
        another Headers): skips canonicalising on the response-building path."""
        h = cls()
        h._items = items
        return h


@dataclass
class _Message:
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = "SIP/2.0"
    # The datagram it was parsed from (UDP only): lets a byte-identical retransmission be
    # recognised before it is parsed (TransactionLayer.absorb_datagram).
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        """(number, method) of the CSeq header; the parser guarantees it is well formed."""
        return self.headers.parsed("CSeq", self._parse_cseq)

    def _parse_cseq(self) -> tuple[int, str]:
        raw = (self.headers.get("CSeq") or "0 ").split()
        return int(raw[0]), raw[1] if len(raw) > 1 else ""

    @property
    def vias(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.get_all("Via")]

    @property
    def top_via(self) -> Via:
        """The first Via, parsed once per message (shared: read-only, see Headers.parsed)."""
        return self.headers.parsed("Via", self._parse_top_via)

    def _parse_top_via(self) -> Via:
        return Via.parse(self.headers.get_all("Via")[0])

    @property
    def from_(self) -> NameAddr:
        """From, parsed once per message (shared: read-only, see Headers.parsed)."""
        return self.headers.parsed("From", self._parse_from)

    def _parse_from(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("From") or "")

    @property
    def to(self) -> NameAddr:
        """To, parsed once per message (shared: read-only, see Headers.parsed)."""
        return self.headers.parsed("To", self._parse_to)

    def _parse_to(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("To") or "")

    @property
    def from_tag(self) -> str | None:
        return self.from_.params.get("tag")

    @property
    def to_tag(self) -> str | None:
        return self.to.params.get("tag")

    @property
    def contacts(self) -> list[str]:
        return self.headers.get_all("Contact")

    def _header_bytes(self) -> bytes:
        lines = [f"{n}: {v}" for n, v in self.headers if n != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


@dataclass
class Request(_Message):
    method: str = ""
    uri: str = ""

    def to_bytes(self) -> bytes:
        start = f"{self.method} {self.uri} {self.version}\r\n".encode("utf-8", "surrogateescape")
        return start + self._header_bytes() + self.body

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri} call-id={self.call_id!r}>"


@dataclass
class Response(_Message):
    status: int = 200
    reason: str = "OK"

    def to_bytes(self) -> bytes:
        start = f"{self.version} {self.status} {self.reason}\r\n".encode("utf-8", "surrogateescape")
        return start + self._header_bytes() + self.body

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason} call-id={self.call_id!r}>"


Message = Request | Response


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Response:
    """Build a response to `request` as RFC 3261 section 8.2.6.2 says: Via (all, in order),
    From, Call-ID, CSeq copied; To copied and given `to_tag` if it has none."""
    # One pass over the request's (already canonical) names, grouped in the order above.
    groups: dict[str, list[tuple[str, str]]] = {name: [] for name in _COPIED}
    for item in request.headers:
        group = groups.get(item[0])
        if group is not None:
            group.append(item)
    if status != 100 and to_tag is not None and groups["To"]:
        try:
            tagged = request.to.params.get("tag") is not None
        except AddressError:
            tagged = True  # a 400 to a request with a broken To: echo it as it came
        if not tagged:
            groups["To"] = [("To", f"{groups['To'][0][1]};tag={to_tag}")]
    items = [item for name in _COPIED for item in groups[name]]
    if status == 100 and "Timestamp" in request.headers:
        items.append(("Timestamp", request.headers.get("Timestamp") or ""))  # RFC 3261 8.2.6.1
    h = Headers.canonical(items)
    for n, v in extra or []:
        h.add(n, v)
    return Response(headers=h, body=body, status=status, reason=reason or REASONS.get(status, ""))


_COPIED = ("Via", "From", "To", "Call-ID", "CSeq")
