"""SIP parser (RFC 3261 sections 7 and 25): bytes -> Request | Response, no I/O.

Strict and bounded: every fault becomes a SipParseError carrying the status a server should
answer with and, when enough of a request was understood to address a response (RFC 3261
8.2.6.2 copies Via, From, To, Call-ID and CSeq), the request to build it from. Without that
request the message is dropped silently; responses are never answered (RFC 3261 18.1.2).
The first fault found wins, checked in the order start line, header section, headers, body.
All work is linear in the input: the header section is split once, lines are length-checked
before they are joined, and the stream framer never rescans or re-copies its buffer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from softphone.pbx.sip.address import PORT_RANGE, AddressError, NameAddr, PortError, SipUri, Via
from softphone.pbx.sip.message import Headers, Request, Response, canonical_name


@dataclass(frozen=True)
class Limits:
    max_message: int = 65_535  # bytes of one message (datagram or framed TCP message)
    max_headers: int = 128  # header lines
    max_line: int = 8_192  # bytes of one (unfolded) header line or start line
    max_body: int = 65_535


class SipParseError(Exception):
    """A message that cannot be accepted; see the module docstring for `request`."""

    def __init__(self, status: int, reason: str, request: Request | None = None) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.request = request


class FramingError(SipParseError):
    """The stream cannot be split into messages any more: answer (if .request) and close.

    `framed` holds the items the same feed() call had completed before the fault."""

    def __init__(self, status: int, reason: str, request: Request | None = None) -> None:
        super().__init__(status, reason, request)
        self.framed: list[Request | Response | SipParseError | bytes] = []


Item = Request | Response | SipParseError | bytes

# RFC 3261 25.1 grammar pieces. Every repetition is separated by a character the repeated
# class excludes, so the regexes cannot backtrack more than linearly.
_TOKEN = r"[A-Za-z0-9\-.!%*_+`'~]+"
_QSTRING = r'"(?:[^"\\]|\\[\s\S])*"'
_PVALUE = rf"(?:[A-Za-z0-9\-.!%*_+`'~:\[\]]+|{_QSTRING})"  # token / host / quoted-string
_PARAMS = rf"(?:\s*;\s*{_TOKEN}(?:\s*=\s*{_PVALUE})?)*\s*"
_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._\-]+)"  # "_" too, as address.split_hostport
_WORD = r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}]+"

_TOKEN_RE = re.compile(_TOKEN)
_CALL_ID_RE = re.compile(rf"{_WORD}(?:@{_WORD})?")
_CSEQ_RE = re.compile(rf"([0-9]{{1,10}})\s+({_TOKEN})")
_DIGITS_RE = re.compile(r"[0-9]{1,10}")
_VIA_RE = re.compile(rf"SIP\s*/\s*2\.0\s*/\s*{_TOKEN}\s+{_HOST}(?:\s*:\s*([0-9]{{1,5}}))?{_PARAMS}")
# delta-seconds = 1*DIGIT (25.1); Retry-After may add a comment and parameters (20.33).
_SECONDS_RE = re.compile(r"[0-9]+")
_RETRY_AFTER_RE = re.compile(r"[0-9]+(?:\s*\([^()]*\))?(?:\s*;.*)?", re.S)
# The port of a sip/sips URI: after the userinfo (up to its last "@", 19.1.1) and the host.
_URI_PORT_RE = re.compile(r"\s*sips?:(?:[^@<>]*@)?(?:\[[0-9A-Fa-f:.]*\]|[^:;?<>\[]*):([^;?>]*)",
                          re.IGNORECASE)
MAX_SECONDS = 2**32 - 1  # 20.19: Expires is "between 0 and (2**32)-1"
MAX_CSEQ = 2**31 - 1  # 8.1.1.5: "MUST be less than 2**31"
# name-addr: display-name is *(token LWS) or a quoted-string (20.10); no LWS inside <>.
_NAME_ADDR_RE = re.compile(
    rf"\s*(?:{_QSTRING}|{_TOKEN}(?:\s+{_TOKEN})*)?\s*<[^<>\s]+>{_PARAMS}"
)
# addr-spec: "If the URI contains a comma, question mark or semicolon, the URI MUST be
# enclosed in angle brackets" (20.10), so the first ';' starts the header parameters.
_ADDR_SPEC_RE = re.compile(rf"\s*[A-Za-z][A-Za-z0-9+.\-]*:[^\s;,?<>\"]+{_PARAMS}")
_ABS_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"]+")
_STATUS_RE = re.compile(r"SIP/([0-9]+\.[0-9]+) ([0-9]{3})(?: (.*))?")
_VERSION_RE = re.compile(r"SIP/[0-9]+\.[0-9]+", re.IGNORECASE)
# rfc1123-date, and "the time zone MUST be GMT" (20.17, RFC 4475 3.1.2.11).
_DATE_RE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov"
    r"|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)
# Control characters are allowed only as quoted-pairs inside quoted strings (25.1).
_CTL_RE = re.compile(r"(?<!\\)[\x00-\x08\x0a-\x1f\x7f]")

# The usual header section, split by one regex call instead of a Python loop over its
# lines (that loop was half of parsing a REGISTER): ASCII, every line
# `token *(SP/HTAB) ":" value` from its start to its CRLF (so no folding, no bare CR or LF)
# and no control character anywhere. Anything else takes the line-by-line path, which
# finds the fault.
_FIELD_RE = re.compile(rf"^({_TOKEN})[ \t]*:[ \t]*([^\r\n]*)(?=\r\n|\Z)", re.M)
_CTL_BUT_CRLF_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_NEEDED = ("Via", "From", "To", "Call-ID", "CSeq")  # 8.1.1 (Max-Forwards is tolerated)
_SINGLE = ("From", "To", "Call-ID", "CSeq", "Content-Length", "Max-Forwards")


class _Head:
    """What the start line and header section said, and the first thing wrong with them."""

    def __init__(self) -> None:
        self.is_request = False
        self.method = ""
        self.uri = ""
        self.status = 0
        self.reason = ""
        self.headers = Headers()
        self.content_length: int | None = None
        self.error: tuple[int, str] | None = None

    def fail(self, status: int, reason: str) -> None:
        if self.error is None:
            self.error = (status, reason)

    def decode(self, raw: bytes) -> str:
        """UTF-8 is the charset of SIP (7.3.1); keep invalid bytes as surrogates so a
        response can still be built, but the message is refused."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(400, "Invalid UTF-8")
            return raw.decode("utf-8", "surrogateescape")

    def responder(self) -> Request | None:
        """The request to answer the fault with, or None when it must be dropped."""
        hd = self.headers
        if not self.is_request or any(name not in hd for name in _NEEDED):
            return None
        try:
            Via.parse(hd.get_all("Via")[0])  # the response is routed by the top Via (18.2.2)
        except PortError:
            pass  # still answerable: the transport sends it back to the source (RFC 3581)
        except (AddressError, IndexError):
            return None
        # One copy of each single-valued header, so the response is well formed (multi01).
        keep, seen = Headers(), set()
        for name, value in hd:
            if name in _SINGLE:
                if name in seen:
                    continue
                seen.add(name)
            keep.add(name, value)
        return Request(headers=keep, method=self.method, uri=self.uri)

    def error_or(self, message: Request | Response) -> Request | Response | SipParseError:
        if self.error is None:
            return message
        return SipParseError(self.error[0], self.error[1], self.responder())


def _parse_start(h: _Head, raw: bytes, limits: Limits) -> None:
    line = h.decode(raw)
    if raw.startswith(b"SIP/"):
        m = _STATUS_RE.fullmatch(line)
        if m is None or _CTL_RE.search(line):
            h.fail(400, "Bad status line")
        elif m.group(1) != "2.0":
            h.fail(505, "Version Not Supported")
        elif not 100 <= int(m.group(2)) <= 699:
            h.fail(400, "Bad status code")
        else:
            h.status, h.reason = int(m.group(2)), m.group(3) or ""
        return
    method, _, rest = line.partition(" ")
    if not _TOKEN_RE.fullmatch(method):
        h.fail(400, "Bad start line")  # not recognisably a request: dropped
        return
    h.is_request, h.method = True, method
    if len(raw) > limits.max_line:
        h.fail(414, "Request-URI Too Long")
        return
    parts = rest.split(" ")  # exactly single SPs (7.1; RFC 4475 lwsstart, trws)
    if len(parts) != 2 or _CTL_RE.search(line):
        h.uri = rest.strip()
        h.fail(400, "Bad request line")
        return
    h.uri, version = parts
    if not _VERSION_RE.fullmatch(version):
        h.fail(400, "Bad SIP version")
    elif version.upper() != "SIP/2.0":
        h.fail(505, "Version Not Supported")
    _check_request_uri(h, h.uri)


# Request-URIs that passed _check_request_uri: phones send the same few again and again (a
# REGISTER's is the domain), and parsing it only to check it was ~7 % of parsing one. A peer
# chooses them, so the memo stops growing at a bound.
_GOOD_URIS: set[str] = set()
_GOOD_URIS_MAX = 4096


def _check_request_uri(h: _Head, uri: str) -> None:
    if uri in _GOOD_URIS:
        return
    if uri.partition(":")[0].lower() in ("sip", "sips"):
        try:
            parsed = SipUri.parse(uri)
        except PortError:
            h.fail(400, f"Bad Request-URI: {PORT_RANGE}")
            return
        except AddressError:
            h.fail(400, "Bad Request-URI")
            return
        if parsed.headers:
            # Table 1 of 19.1.1 forbids headers in a Request-URI (RFC 4475 3.1.2.10).
            h.fail(400, "Headers not allowed in Request-URI")
            return
    elif not _ABS_URI_RE.fullmatch(uri):
        h.fail(400, "Bad Request-URI")
        return
    # Other absolute URIs (tel:, unknown schemes) parse; the core answers 416 (8.2.2.1).
    if len(_GOOD_URIS) < _GOOD_URIS_MAX:
        _GOOD_URIS.add(uri)


def _fields(h: _Head, lines: list[bytes], limits: Limits) -> list[str]:
    """Unfold continuation lines (7.3.1: CRLF followed by SP or HTAB is LWS) and apply the
    header count and line length limits before any line is joined or decoded."""
    groups: list[list[bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if groups:
                groups[-1].append(line.lstrip(b" \t"))
            else:
                h.fail(400, "Malformed header line")
        else:
            groups.append([line])
    if len(groups) > limits.max_headers:
        h.fail(400, "Too many headers")
        del groups[limits.max_headers :]
    fields = []
    for group in groups:
        if sum(len(part) for part in group) + len(group) - 1 > limits.max_line:
            h.fail(400, "Header line too long")
        else:
            fields.append(h.decode(b" ".join(group)))
    return fields


def _plain_headers(section: bytes, limits: Limits) -> Headers | None:
    """The headers of a plain section (see _PLAIN_SECTION_RE) within the limits, or None
    for any other section: then the line-by-line path parses it and names the fault."""
    if not section.isascii():
        return None
    text = section.decode("ascii")
    lines = text.count("\r\n")
    if lines >= limits.max_headers or text.count("\r") != lines or \
            text.count("\n") != lines or _CTL_BUT_CRLF_RE.search(text):
        return None
    # Anchored at line starts and ends: a line that is not a whole field matches nothing.
    fields = _FIELD_RE.findall(text)
    if len(fields) != lines + 1 or (len(text) > limits.max_line and
                                    max(map(len, text.split("\r\n"))) > limits.max_line):
        return None
    return Headers.canonical([(canonical_name(name), value.rstrip(" \t"))
                              for name, value in fields])


def _parse_head(h: _Head, head: bytes, limits: Limits) -> None:
    start, crlf, section = head.partition(b"\r\n")
    _parse_start(h, start, limits)
    if not crlf:
        _check_headers(h, limits)
        return
    plain = _plain_headers(section, limits)
    if plain is not None:
        h.headers = plain
        _check_headers(h, limits)
        return
    for text in _fields(h, section.split(b"\r\n"), limits):
        name, colon, value = text.partition(":")
        name = name.rstrip(" \t")  # HCOLON allows SP/HTAB before the colon
        if not colon or not _TOKEN_RE.fullmatch(name):
            h.fail(400, "Malformed header line")
            continue
        if _CTL_RE.search(value):
            h.fail(400, "Control character in header")
        h.headers.add(name, value.strip(" \t"))
    _check_headers(h, limits)


def _name_addr_ok(value: str) -> bool:
    return bool(_NAME_ADDR_RE.fullmatch(value) or _ADDR_SPEC_RE.fullmatch(value))


def _check_headers(h: _Head, limits: Limits) -> None:
    hd = h.headers
    # One pass for every count and first value below (they were a dozen scans).
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for name, text in hd:
        if name in counts:
            counts[name] += 1
        else:
            counts[name] = 1
            first[name] = text
    for name in _NEEDED:
        if name not in counts:
            h.fail(400, f"Missing {name} header")
    for name in _SINGLE:
        if counts.get(name, 0) > 1:  # RFC 4475 multi01, mcl01
            h.fail(400, f"Duplicate {name} header")
    call_id = first.get("Call-ID")
    if call_id is not None and not _CALL_ID_RE.fullmatch(call_id):
        h.fail(400, "Bad Call-ID")
    cseq = first.get("CSeq")
    if cseq is not None:
        m = _CSEQ_RE.fullmatch(cseq)
        if m is None:
            h.fail(400, "Bad CSeq")
        elif int(m.group(1)) > MAX_CSEQ:
            h.fail(400, f"Bad CSeq: sequence number out of range (0-{MAX_CSEQ})")
        elif h.is_request and m.group(2) != h.method:
            # 8.1.1.5: "The method MUST match that of the request"; that holds for ACK and
            # CANCEL too (17.1.1.3, 9.1). RFC 4475 mismatch01/02.
            h.fail(400, "CSeq method does not match request method")
    for name in ("From", "To"):
        value = first.get(name)
        if value is not None:
            try:
                # Kept: the layers above read From and To of every request again.
                hd.remember(name, NameAddr.parse(value))
            except PortError:
                h.fail(400, f"Bad {name} header: {PORT_RANGE}")
            except AddressError:
                h.fail(400, f"Bad {name} header")
            if not _name_addr_ok(value):
                h.fail(400, f"Bad {name} header")
    if "Contact" in counts:
        for contact in hd.get_all("Contact"):
            if contact == "*":
                continue
            if not _name_addr_ok(contact):
                h.fail(400, "Bad Contact header")
            elif _bad_uri_port(contact):
                h.fail(400, f"Bad Contact header: {PORT_RANGE}")
    for name in ("Route", "Record-Route"):
        if name in counts and any(map(_bad_uri_port, hd.get_all(name))):
            h.fail(400, f"Bad {name} header: {PORT_RANGE}")
    for via in hd.get_all("Via"):
        m = _VIA_RE.fullmatch(via)
        if m is None:
            h.fail(400, "Bad Via header")
        elif m.group(1) is not None and not 0 < int(m.group(1)) < 65536:
            h.fail(400, f"Bad Via header: {PORT_RANGE}")
    max_forwards = first.get("Max-Forwards")
    if max_forwards is not None:
        if not _DIGITS_RE.fullmatch(max_forwards):
            h.fail(400, "Bad Max-Forwards: not a number")
        elif int(max_forwards) > 255:  # 20.22: "an integer in the range 0-255"
            h.fail(400, "Bad Max-Forwards: out of range (0-255)")
    _check_seconds(h, first)
    date = first.get("Date")
    if date is not None and not _DATE_RE.fullmatch(date):
        h.fail(400, "Bad Date header")
    length = first.get("Content-Length")
    if length is not None:
        if not _DIGITS_RE.fullmatch(length):
            # negative or non-numeric (RFC 4475 ncl), or absurd: no body has 10**10 octets
            h.fail(400, "Bad Content-Length: " + (
                "out of range" if _SECONDS_RE.fullmatch(length) else "not a number"))
        else:
            h.content_length = int(length)
            if h.content_length > limits.max_body:
                h.fail(413, "Message body too large")


def _bad_uri_port(addr: str) -> bool:
    """Whether the SIP URI of a name-addr or addr-spec has a port outside 1..65535 (one
    regex match: Contact, Route and Record-Route are fully parsed later, where used)."""
    lt = addr.find("<")
    m = _URI_PORT_RE.match(addr, lt + 1)   # lt + 1 == 0 without "<"
    if m is None:
        return False
    port = m.group(1)
    return not (port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536)


def _check_seconds(h: _Head, first: dict[str, str]) -> None:
    """Expires and Retry-After are delta-seconds (25.1, 20.19, 20.33). A value that is not a
    number is a syntax error (400). A number above 2**32-1 is not: the grammar allows any
    number of digits, 20.19 only bounds what the value means, and RFC 4475 (scalar02) lets an
    element go on with overlarge expiries rather than refuse the request for them. So
    Expires is capped to 2**32-1 here (the registrar and the event server then cut it to
    their own maximum, and no 4,300-digit value reaches int()), and a long Retry-After
    stays as it is (nothing acts on it beyond "later")."""
    expires = first.get("Expires")
    if expires is not None:
        if not (expires.isascii() and expires.isdigit()):
            h.fail(400, "Bad Expires header: not a number of seconds")
        elif len(expires) > 10 or int(expires) > MAX_SECONDS:
            h.headers.set("Expires", str(MAX_SECONDS))
    retry_after = first.get("Retry-After")
    if retry_after is not None and not _RETRY_AFTER_RE.fullmatch(retry_after):
        h.fail(400, "Bad Retry-After header: not a number of seconds")


def _finish(h: _Head, rest: bytes, limits: Limits) -> Request | Response | SipParseError:
    body = rest
    if h.content_length is not None:
        if len(rest) < h.content_length:
            h.fail(400, "Body shorter than Content-Length")  # RFC 4475 clerr
        body = rest[: h.content_length]  # 18.3: octets beyond Content-Length are discarded
    if len(body) > limits.max_body:
        h.fail(413, "Message body too large")
    if h.is_request:
        return h.error_or(Request(headers=h.headers, body=body, method=h.method, uri=h.uri))
    return h.error_or(Response(headers=h.headers, body=body, status=h.status, reason=h.reason))


def _parse_datagram(data: bytes, limits: Limits) -> Request | Response | SipParseError:
    start = 0
    while data.startswith(b"\r\n", start):
        start += 2  # 7.5: CRLFs before the start line are ignored
    end = data.find(b"\r\n\r\n", start)
    head = data[start:end] if end >= 0 else data[start:]
    if end < 0 and head.endswith(b"\r\n"):
        head = head[:-2]  # the last header line is complete, only the empty line is missing
    if not head:
        return SipParseError(400, "Empty message")
    h = _Head()
    if len(data) > limits.max_message:
        h.fail(413, "Message too large")
    _parse_head(h, head, limits)
    if end < 0:
        h.fail(400, "Missing empty line after headers")  # 7: it MUST be present
    return _finish(h, data[end + 4 :] if end >= 0 else b"", limits)


def parse_message(data: bytes, limits: Limits = Limits()) -> Request | Response:
    """Parse one complete message (a UDP datagram). Raises only SipParseError."""
    try:
        result = _parse_datagram(bytes(data), limits)
    except Exception as exc:  # a bug here must not take the transport down: drop the message
        raise SipParseError(400, "Unparseable message") from exc
    if isinstance(result, SipParseError):
        raise result
    return result


class StreamFramer:
    """Splits a TCP byte stream into messages by Content-Length (RFC 3261 18.3), skipping
    CRLF keep-alives (RFC 5626 section 3.5.1: a double CRLF ping gets a single CRLF pong)."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self._limits = limits
        self._buf = bytearray()
        self._pos = 0  # start of the unconsumed bytes
        self._scan = 0  # where the search for the blank line resumes: never rescan
        self._head: _Head | None = None  # header section of the message whose body is awaited
        self._body_at = 0
        self._broken: FramingError | None = None

    def feed(self, data: bytes) -> list[Item]:
        """Returns complete items in order. A SipParseError for a message that was framed but
        malformed; b"\\r\\n" for each keep-alive ping that needs a pong. Raises FramingError
        when the stream cannot be framed (then, and on every later call)."""
        if self._broken is not None:
            raise FramingError(self._broken.status, self._broken.reason)
        self._buf += data
        out: list[Item] = []
        try:
            while (item := self._next()) is not None:
                out.append(item)
        except Exception as exc:
            err = exc if isinstance(exc, FramingError) else FramingError(400, "Unparseable stream")
            err.framed = out
            self._broken = err
            if err is not exc:
                raise err from exc
            raise
        finally:
            # Compact once per call, not once per message, so many small messages stay linear.
            del self._buf[: self._pos]
            self._scan -= self._pos
            self._body_at -= self._pos
            self._pos = 0
        return out

    def _next(self) -> Item | None:
        buf, limits = self._buf, self._limits
        if self._head is None:
            while buf.startswith(b"\r\n", self._pos):
                if buf.startswith(b"\r\n\r\n", self._pos):
                    self._pos += 4
                    return b"\r\n"
                if b"\r\n\r\n".startswith(buf[self._pos : self._pos + 4]):
                    return None  # may still become a ping
                self._pos += 2  # a single CRLF: a pong, or padding before a start line (7.5)
            self._scan = max(self._scan, self._pos)
            end = buf.find(b"\r\n\r\n", self._scan)
            if end < 0 or end - self._pos > limits.max_message:
                if len(buf) - self._pos > limits.max_message:
                    raise FramingError(413, "Header section too large")
                self._scan = max(self._pos, len(buf) - 3)
                return None
            h = _Head()
            _parse_head(h, bytes(buf[self._pos : end]), limits)
            count = h.headers.count("Content-Length")
            if count != 1 or h.content_length is None:
                reason = {0: "Missing Content-Length header", 1: "Bad Content-Length"}
                raise FramingError(400, reason.get(count, "Duplicate Content-Length header"),
                                   h.responder())
            if end + 4 - self._pos + h.content_length > limits.max_message:
                raise FramingError(413, "Message too large", h.responder())
            self._head, self._body_at = h, end + 4
        h = self._head
        assert h.content_length is not None
        if len(buf) - self._body_at < h.content_length:
            return None
        self._pos = self._scan = self._body_at + h.content_length
        self._head = None
        return _finish(h, bytes(buf[self._body_at : self._pos]), limits)
