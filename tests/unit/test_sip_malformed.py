"""Malformed SIP datagrams and what the PBX must do with each: answer with a status, or drop.

MALFORMED_CASES is also replayed over UDP against the running daemon by the integration
tests, so every datagram fits in one UDP packet, uses OPTIONS to a user that does not exist
and has a Call-ID of its own: none of them can create a registration, dialog or call.
A message above Limits.max_message cannot be sent in one UDP datagram with the default
limits; that case is in test_sip_parser.py with smaller limits.

An answered case's response echoes Via, From, To, Call-ID and CSeq as the request had them
(RFC 3261 8.2.6.2), faults included: where the fault is in one of those (cseq-*, call-id-*,
via-second-bad, via-empty-params, from-*, to-*), the response itself does not parse, so a
replaying client must read the status code from the raw status line.
"""

from __future__ import annotations

import random
import re

import pytest

from softphone.pbx.sip.message import Request, Response, make_response
from softphone.pbx.sip.parser import SipParseError, parse_message

START = "OPTIONS sip:nobody-malformed@127.0.0.1 SIP/2.0"


def _req(
    case: str,
    start: str = START,
    fields: dict[str, str | None] | None = None,
    extra: tuple[str, ...] = (),
    body: bytes = b"",
) -> bytes:
    """A valid OPTIONS with one thing changed: `fields` replaces (None: removes) headers,
    `extra` appends raw header lines."""
    headers: dict[str, str | None] = {
        "Via": f"SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-mf-{case};rport",
        "Max-Forwards": "70",
        "From": f"<sip:malformed-test@127.0.0.1>;tag=mf-{case}",
        "To": "<sip:nobody-malformed@127.0.0.1>",
        "Call-ID": f"mf-{case}@malformed.invalid",
        "CSeq": "1 OPTIONS",
        "Content-Length": str(len(body)),
    }
    headers.update(fields or {})
    lines = [start, *(f"{k}: {v}" for k, v in headers.items() if v is not None), *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def _resp(case: str, status_line: str, drop: str = "") -> bytes:
    lines = [
        status_line,
        f"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-mf-{case}",
        f"From: <sip:malformed-test@127.0.0.1>;tag=mf-{case}",
        "To: <sip:nobody-malformed@127.0.0.1>;tag=x1",
        f"Call-ID: mf-{case}@malformed.invalid",
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
    ]
    kept = [line for line in lines if not (drop and line.startswith(drop))]
    return ("\r\n".join(kept) + "\r\n\r\n").encode("utf-8")


def _cid(case: str) -> str:
    return f"mf-{case}@malformed.invalid"


_TEXT = b"0123456789" * 5
_RANDOM = bytes(random.Random(7).randrange(256) for _ in range(300))

MALFORMED_CASES: list[tuple[str, bytes, int | None]] = [
    # -- garbage, nothing to answer ------------------------------------------------------
    ("empty", b"", None),
    ("only-crlfs", b"\r\n" * 6, None),
    ("garbage-text", b"hello world, this is not SIP\r\n\r\n", None),
    ("garbage-binary", _RANDOM, None),
    ("nul-bytes", b"\x00" * 64, None),
    ("nul-in-method", _req("nul-in-method").replace(b"OPTIONS", b"OPT\x00IONS", 1), None),
    ("method-not-token", _req("method-not-token", start=START.replace("OPTIONS", "OPT(IONS")),
     None),
    ("bare-lf-line-ends", _req("bare-lf-line-ends").replace(b"\r\n", b"\n"), None),
    ("truncated-in-start-line", b"OPTIONS sip:nobody-mal", None),
    # -- start line (RFC 3261 7.1, 25.1) -------------------------------------------------
    ("double-space-start-line",
     _req("double-space-start-line", start=START.replace(" ", "  ", 1)), 400),
    ("missing-version", _req("missing-version", start=START.rsplit(" ", 1)[0]), 400),
    ("trailing-space-after-version", _req("trailing-space-after-version", start=START + " "),
     400),
    ("unknown-version", _req("unknown-version", start=START.replace("2.0", "3.0")), 505),
    ("bad-version", _req("bad-version", start=START.replace("SIP/2.0", "SIP/two")), 400),
    ("uri-in-angle-brackets",
     _req("uri-in-angle-brackets",
          start="OPTIONS <sip:nobody-malformed@127.0.0.1> SIP/2.0"), 400),
    ("uri-bad-escape",
     _req("uri-bad-escape", start="OPTIONS sip:nobody%zz@127.0.0.1 SIP/2.0"), 400),
    ("uri-with-headers",
     _req("uri-with-headers",
          start="OPTIONS sip:nobody-malformed@127.0.0.1?Route=%3Csip:x.invalid%3E SIP/2.0"), 400),
    ("uri-bad-host", _req("uri-bad-host", start="OPTIONS sip:nobody@bad!host SIP/2.0"), 400),
    ("uri-bad-port",
     _req("uri-bad-port", start="OPTIONS sip:nobody@127.0.0.1:99999 SIP/2.0"), 400),
    ("uri-without-scheme", _req("uri-without-scheme", start="OPTIONS nobody SIP/2.0"), 400),
    ("uri-too-long",
     _req("uri-too-long", start=f"OPTIONS sip:{'n' * 9000}@127.0.0.1 SIP/2.0"), 414),
    # -- mandatory headers (8.1.1): without them no response can be addressed ------------
    ("missing-via", _req("missing-via", fields={"Via": None}), None),
    ("missing-from", _req("missing-from", fields={"From": None}), None),
    ("missing-to", _req("missing-to", fields={"To": None}), None),
    ("missing-call-id", _req("missing-call-id", fields={"Call-ID": None}), None),
    ("missing-cseq", _req("missing-cseq", fields={"CSeq": None}), None),
    # -- headers that must occur once (RFC 4475 multi01, mcl01) --------------------------
    ("duplicate-call-id",
     _req("duplicate-call-id", extra=("Call-ID: mf-duplicate-call-id-2@malformed.invalid",)),
     400),
    ("duplicate-cseq", _req("duplicate-cseq", extra=("CSeq: 2 OPTIONS",)), 400),
    ("duplicate-from",
     _req("duplicate-from", extra=("From: <sip:other@127.0.0.1>;tag=mf-dup2",)), 400),
    ("duplicate-to", _req("duplicate-to", extra=("t: <sip:other@127.0.0.1>",)), 400),
    ("duplicate-max-forwards", _req("duplicate-max-forwards", extra=("Max-Forwards: 69",)),
     400),
    ("duplicate-content-length", _req("duplicate-content-length", extra=("l: 0",)), 400),
    # -- header values --------------------------------------------------------------------
    ("cseq-not-numeric", _req("cseq-not-numeric", fields={"CSeq": "one OPTIONS"}), 400),
    ("cseq-without-method", _req("cseq-without-method", fields={"CSeq": "1"}), 400),
    ("cseq-too-large", _req("cseq-too-large", fields={"CSeq": "4294967296 OPTIONS"}), 400),
    # 8.1.1.5: "MUST be less than 2**31", although 2**31 fits the 32 bits.
    ("cseq-2-to-the-31", _req("cseq-2-to-the-31", fields={"CSeq": "2147483648 OPTIONS"}), 400),
    ("cseq-method-mismatch", _req("cseq-method-mismatch", fields={"CSeq": "1 INVITE"}), 400),
    ("call-id-empty", _req("call-id-empty", fields={"Call-ID": ""}), 400),
    ("call-id-with-space",
     _req("call-id-with-space", fields={"Call-ID": "mf-call-id-with-space @x.invalid x"}), 400),
    ("call-id-with-nul",
     _req("call-id-with-nul").replace(b"mf-call-id-with-nul@", b"mf-call-id-with-nul\x00@"), 400),
    ("via-garbage", _req("via-garbage", fields={"Via": "this is not a via"}), None),
    # A top Via port beyond 16 bits: answered all the same, back to where it came from.
    ("via-port-too-large",
     _req("via-port-too-large",
          fields={"Via": "SIP/2.0/UDP 127.0.0.1:99999;branch=z9hG4bK-mf-via-port-too-large"}),
     400),
    ("via-port-zero",
     _req("via-port-zero",
          fields={"Via": "SIP/2.0/UDP 127.0.0.1:0;branch=z9hG4bK-mf-via-port-zero;rport"}),
     400),
    ("via-second-port-too-large",
     _req("via-second-port-too-large",
          extra=("Via: SIP/2.0/UDP 192.0.2.1:65536;branch=z9hG4bKx",)),
     400),
    ("via-second-bad", _req("via-second-bad", extra=("Via: SIP/2.0/UDP",)), 400),
    ("via-empty-params",
     _req("via-empty-params",
          fields={"Via": "SIP/2.0/UDP 127.0.0.1:5999;;branch=z9hG4bK-mf-via-empty-params;rport;;"}),
     400),
    ("from-unbalanced-quote",
     _req("from-unbalanced-quote",
          fields={"From": '"Mal Formed <sip:malformed-test@127.0.0.1>;tag=mf-q'}), 400),
    ("to-unquoted-comma-in-name",
     _req("to-unquoted-comma-in-name",
          fields={"To": "Nobody, Malformed <sip:nobody-malformed@127.0.0.1>"}), 400),
    ("to-space-inside-brackets",
     _req("to-space-inside-brackets", fields={"To": "< sip:nobody-malformed@127.0.0.1 >"}),
     400),
    ("from-not-sip-uri",
     _req("from-not-sip-uri", fields={"From": "<tel:+4930123456>;tag=mf-tel"}), 400),
    ("contact-headers-outside-brackets",
     _req("contact-headers-outside-brackets",
          extra=("Contact: sip:malformed-test@127.0.0.1?Route=%3Csip:x.invalid%3E",)), 400),
    ("max-forwards-not-numeric",
     _req("max-forwards-not-numeric", fields={"Max-Forwards": "seventy"}), 400),
    ("max-forwards-too-large", _req("max-forwards-too-large", fields={"Max-Forwards": "256"}),
     400),
    ("from-port-too-large",
     _req("from-port-too-large",
          fields={"From": "<sip:malformed-test@127.0.0.1:70000>;tag=mf-from-port"}), 400),
    ("contact-port-too-large",
     _req("contact-port-too-large", extra=("Contact: <sip:malformed-test@127.0.0.1:65536>",)), 400),
    ("contact-ipv6-port-zero",
     _req("contact-ipv6-port-zero",
          extra=("Contact: sip:malformed-test@[::1]:0;expires=60",)), 400),
    ("record-route-port-too-large",
     _req("record-route-port-too-large",
          extra=("Record-Route: <sip:192.0.2.1:123456;lr>",)), 400),
    ("route-port-too-large",
     _req("route-port-too-large", extra=("Route: <sip:192.0.2.1:99999;lr>",)), 400),
    ("expires-not-numeric", _req("expires-not-numeric", extra=("Expires: soon",)), 400),
    ("expires-negative", _req("expires-negative", extra=("Expires: -1",)), 400),
    ("retry-after-not-numeric", _req("retry-after-not-numeric", extra=("Retry-After: later",)),
     400),
    ("date-not-gmt", _req("date-not-gmt", extra=("Date: Fri, 01 Jan 2010 16:00:00 EST",)), 400),
    # -- Content-Length and body (RFC 3261 18.3, 20.14) ----------------------------------
    ("content-length-not-numeric",
     _req("content-length-not-numeric", fields={"Content-Length": "zero"}), 400),
    ("content-length-negative",
     _req("content-length-negative", fields={"Content-Length": "-1"}), 400),
    ("content-length-absurd",
     _req("content-length-absurd", fields={"Content-Length": "99999999999999999999"}), 400),
    ("content-length-beyond-body",
     _req("content-length-beyond-body", fields={"Content-Length": "100"},
          extra=("Content-Type: text/plain",), body=_TEXT), 400),
    ("content-length-over-limit",
     _req("content-length-over-limit", fields={"Content-Length": "70000"}), 413),
    ("truncated-in-body",
     _req("truncated-in-body", extra=("Content-Type: text/plain",), body=_TEXT)[:-20], 400),
    ("truncated-in-headers", _req("truncated-in-headers").rsplit(b"Content-", 1)[0] + b"Cont",
     400),
    # -- header section structure (7.3) --------------------------------------------------
    ("header-without-colon", _req("header-without-colon", extra=("Not a header line",)), 400),
    ("header-name-not-token", _req("header-name-not-token", extra=("Bad Name: value",)), 400),
    ("continuation-before-first-header",
     _req("continuation-before-first-header", start=START + "\r\n folded-too-early"), 400),
    ("header-line-too-long",
     _req("header-line-too-long", extra=(f"Subject: {'x' * 9000}",)), 400),
    ("too-many-headers",
     _req("too-many-headers", extra=tuple(f"X-Filler-{i}: {i}" for i in range(200))), 400),
    ("non-utf8-header-value",
     _req("non-utf8-header-value", extra=("Subject: cafe",)).replace(b"cafe", b"caf\xe9"), 400),
    ("non-utf8-header-name",
     _req("non-utf8-header-name", extra=("X-Name: v",)).replace(b"X-Name", b"X-N\xffme"), 400),
    ("control-char-in-header",
     _req("control-char-in-header", extra=("Subject: bell\x07here",)), 400),
    ("nul-in-header-name",
     _req("nul-in-header-name", extra=("X-Nul: v",)).replace(b"X-Nul", b"X-\x00ul"), 400),
    # -- responses are never answered (RFC 3261 18.1.2): dropped -------------------------
    ("response-code-too-long", _resp("response-code-too-long", "SIP/2.0 2000 OK"), None),
    ("response-code-too-low", _resp("response-code-too-low", "SIP/2.0 099 Low"), None),
    ("response-bad-version", _resp("response-bad-version", "SIP/3.0 200 OK"), None),
    ("response-missing-call-id", _resp("response-missing-call-id", "SIP/2.0 200 OK", "Call-ID"),
     None),
    ("response-non-utf8-reason",
     _resp("response-non-utf8-reason", "SIP/2.0 200 OK").replace(b" OK", b" \xff\xfe", 1),
     None),
]


# The reason phrase the client sees, where it names the fault the case was built for.
_REASON = {
    "unknown-version": "Version Not Supported", "bad-version": "Bad SIP version",
    "uri-with-headers": "Headers not allowed in Request-URI",
    "uri-too-long": "Request-URI Too Long", "duplicate-call-id": "Duplicate Call-ID header",
    "duplicate-cseq": "Duplicate CSeq header", "duplicate-from": "Duplicate From header",
    "duplicate-to": "Duplicate To header", "cseq-not-numeric": "Bad CSeq",
    "duplicate-max-forwards": "Duplicate Max-Forwards header",
    "duplicate-content-length": "Duplicate Content-Length header",
    "cseq-method-mismatch": "CSeq method does not match request method",
    "call-id-empty": "Bad Call-ID", "call-id-with-space": "Bad Call-ID",
    "call-id-with-nul": "Control character in header", "via-second-bad": "Bad Via header",
    "via-empty-params": "Bad Via header", "from-unbalanced-quote": "Bad From header",
    "to-unquoted-comma-in-name": "Bad To header", "to-space-inside-brackets": "Bad To header",
    "from-not-sip-uri": "Bad From header", "contact-headers-outside-brackets":
    "Bad Contact header", "max-forwards-too-large": "Bad Max-Forwards: out of range (0-255)",
    "max-forwards-not-numeric": "Bad Max-Forwards: not a number",
    "date-not-gmt": "Bad Date header",
    "content-length-negative": "Bad Content-Length: not a number",
    "content-length-absurd": "Bad Content-Length: out of range",
    "content-length-beyond-body": "Body shorter than Content-Length",
    "truncated-in-body": "Body shorter than Content-Length",
    "content-length-over-limit": "Message body too large",
    "header-line-too-long": "Header line too long", "too-many-headers": "Too many headers",
    "non-utf8-header-value": "Invalid UTF-8", "non-utf8-header-name": "Invalid UTF-8",
    "control-char-in-header": "Control character in header",
    "missing-via": "Missing Via header", "missing-from": "Missing From header",
    "missing-to": "Missing To header", "missing-call-id": "Missing Call-ID header",
    "missing-cseq": "Missing CSeq header",
    "cseq-too-large": "Bad CSeq: sequence number out of range (0-2147483647)",
    "cseq-2-to-the-31": "Bad CSeq: sequence number out of range (0-2147483647)",
    "via-port-too-large": "Bad Via header: port out of range (1-65535)",
    "via-port-zero": "Bad Via header: port out of range (1-65535)",
    "via-second-port-too-large": "Bad Via header: port out of range (1-65535)",
    "uri-bad-port": "Bad Request-URI: port out of range (1-65535)",
    "from-port-too-large": "Bad From header: port out of range (1-65535)",
    "contact-port-too-large": "Bad Contact header: port out of range (1-65535)",
    "contact-ipv6-port-zero": "Bad Contact header: port out of range (1-65535)",
    "record-route-port-too-large": "Bad Record-Route header: port out of range (1-65535)",
    "route-port-too-large": "Bad Route header: port out of range (1-65535)",
    "expires-not-numeric": "Bad Expires header: not a number of seconds",
    "expires-negative": "Bad Expires header: not a number of seconds",
    "retry-after-not-numeric": "Bad Retry-After header: not a number of seconds",
}


@pytest.mark.parametrize(
    ("case_id", "data", "expected"), [pytest.param(*case, id=case[0]) for case in MALFORMED_CASES]
)
def test_malformed_message_is_answered_or_dropped(
    case_id: str, data: bytes, expected: int | None
) -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(data)
    err = info.value
    assert err.reason and not re.search(r"[\x00-\x1f\x7f]", err.reason)  # a reason phrase
    assert err.reason == _REASON.get(case_id, err.reason)
    if expected is None:
        assert err.request is None, f"must be dropped, got {err.status} {err.reason}"
        return
    assert err.status == expected, err.reason
    assert err.request is not None, "must be answered"
    # The answer a server sends: addressed by the top Via, echoing Call-ID (8.2.6.2).
    wire = make_response(err.request, err.status, err.reason, to_tag="t1").to_bytes()
    assert wire.startswith(f"SIP/2.0 {expected} {err.reason}\r\n".encode())
    assert f"branch=z9hG4bK-mf-{case_id}".encode() in wire
    assert wire.count(b"\r\nCall-ID: ") == 1


def test_the_template_itself_is_valid() -> None:
    """Each case differs from a valid message in one fault; the valid one must parse."""
    req = parse_message(_req("template", extra=("Content-Type: text/plain",), body=_TEXT))
    assert isinstance(req, Request)
    assert (req.method, req.call_id, req.body) == ("OPTIONS", _cid("template"), _TEXT)
    resp = parse_message(_resp("template", "SIP/2.0 200 OK"))
    assert isinstance(resp, Response) and resp.status == 200


def test_cases_are_safe_to_replay_against_a_daemon() -> None:
    ids = [i for i, _, _ in MALFORMED_CASES]
    assert len(ids) == len(set(ids)) >= 35
    assert len({d for _, d, _ in MALFORMED_CASES}) == len(MALFORMED_CASES)
    call_ids = [m.group(1) for _, d, _ in MALFORMED_CASES
                if (m := re.search(rb"\r\nCall-ID: ([^\r]*)\r\n", d))]
    assert len(call_ids) == len(set(call_ids))
    for case_id, data, _ in MALFORMED_CASES:
        assert len(data) <= 65_507, case_id  # the largest UDP payload over IPv4
        assert b"INVITE sip:" not in data and b"REGISTER" not in data, case_id
