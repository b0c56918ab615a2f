"""The SIP parser against the RFC 4475 torture messages, its limits, the TCP stream framer,
and a seeded mutation fuzz run."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from softphone.pbx.sip.address import SipUri
from softphone.pbx.sip.message import Request, Response, make_response
from softphone.pbx.sip.parser import (
    FramingError,
    Limits,
    SipParseError,
    StreamFramer,
    parse_message,
)

Check = Callable[[Request | Response], None]


def _wsinv(m: Request | Response) -> None:
    assert isinstance(m, Request) and m.method == "INVITE"
    assert m.cseq == (9, "INVITE")  # folded "0009\r\n  INVITE"
    assert m.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert [v.branch for v in m.vias] == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"]
    assert m.from_.display == 'J Rosenberg \\"' and m.from_tag == "98asjd8"
    assert m.to_tag == "1918181833n"
    assert m.headers.get("Subject") == "" and m.body.startswith(b"v=0") and len(m.body) == 150


def _intmeth(m: Request | Response) -> None:
    assert isinstance(m, Request) and m.method == "!interesting-Method0123456789_*+`.%indeed'~"
    uri = SipUri.parse(m.uri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert uri.host == "example.com"
    assert m.headers.get("extensionHeader-!.%*+_`'~") == "\ufeff大停電"
    assert m.to.display == "BEL:\x07 NUL:\x00 DEL:\x7f"  # quoted-pairs of controls


def _esc01(m: Request | Response) -> None:
    assert isinstance(m, Request)
    assert SipUri.parse(m.uri).user == "sips:user@example.com"
    assert m.to.uri.user == "user" and m.from_.uri.user == "I have spaces"


def _escnull(m: Request | Response) -> None:
    assert m.to.uri.user == "null-\x00-null" and len(m.contacts) == 2


def _esc02(m: Request | Response) -> None:
    assert isinstance(m, Request) and m.method == "RE%47IST%45R"
    assert len(m.contacts) == 2 and m.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def _lwsdisp(m: Request | Response) -> None:
    assert m.from_.display == "caller" and m.from_.uri.user == "caller"


def _longreq(m: Request | Response) -> None:
    assert len(m.vias) == 34 and m.vias[-1].branch is not None and len(m.vias[-1].branch) > 200
    assert m.to.uri.port == 6000 and m.to.display is not None and "extreme" in m.to.display
    assert len(m.body) == 150


def _dblreq(m: Request | Response) -> None:
    # 18.3: octets after Content-Length (here a second request) are discarded.
    assert isinstance(m, Request) and m.method == "REGISTER" and m.body == b""


def _semiuri(m: Request | Response) -> None:
    assert isinstance(m, Request)
    uri = SipUri.parse(m.uri)
    assert (uri.user, uri.host) == ("user;par=u@example.net", "example.com")
    assert len(m.headers.get_all("Accept")) == 6


def _transports(m: Request | Response) -> None:
    assert [v.transport for v in m.vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]


def _mpart01(m: Request | Response) -> None:
    assert len(m.body) == 553 and m.body.endswith(b"--7a9cbec02ceef655--\r\n")


def _unreason(m: Request | Response) -> None:
    assert isinstance(m, Response) and m.status == 200
    assert m.reason == "= 2**3 * 5**2 но сто девяносто девять - простое"


def _noreason(m: Request | Response) -> None:
    assert isinstance(m, Response) and (m.status, m.reason) == (100, "")


def _any(m: Request | Response) -> None:
    pass


# What RFC 4475 says of each message: a check for those that parse, else (status, answered).
VALID: dict[str, Check] = {
    "wsinv": _wsinv, "intmeth": _intmeth, "esc01": _esc01, "escnull": _escnull,
    "esc02": _esc02, "lwsdisp": _lwsdisp, "longreq": _longreq, "dblreq": _dblreq,
    "semiuri": _semiuri, "transports": _transports, "mpart01": _mpart01,
    "unreason": _unreason, "noreason": _noreason,
}
INVALID: dict[str, tuple[int, bool]] = {
    "badinv01": (400, True), "clerr": (400, True), "scalar02": (400, True),
    "scalarlg": (400, False), "quotbal": (400, True), "ltgtruri": (400, True),
    "lwsruri": (400, True), "lwsstart": (400, True), "trws": (400, True),
    "escruri": (400, True), "baddate": (400, True), "regbadct": (400, True),
    "badaspec": (400, True), "baddn": (400, True), "badvers": (505, True),
    "mismatch01": (400, True), "mismatch02": (400, True), "bigcode": (400, False),
}
# Sections 3.2-3.4: syntactically valid unless noted; the layers above decide.
TRANSACTION: dict[str, tuple[int, bool] | None] = {
    "badbranch": None, "insuf": (400, False), "unkscm": None, "novelsc": None,
    "unksm2": (400, True),  # To/From not SIP: a registrar rejects it (3.3.?), so do we
    "bext01": None, "invut": None, "regaut01": None, "multi01": (400, True),
    "mcl01": (400, True), "bcast": None, "ncl": (400, True), "cparam01": None,
    "cparam02": None, "regescrt": None, "sdp01": None, "inv2543": None, "zeromf": None,
}


def _readme_list(rfc4475_dir: Path, marker: str) -> set[str]:
    text = (rfc4475_dir / "README.md").read_text()
    return set(text.split(marker, 1)[1].split(":\n", 1)[1].split("\n\n", 1)[0].split())


def test_every_torture_message_is_covered(rfc4475_dir: Path) -> None:
    names = {p.stem for p in rfc4475_dir.glob("*.dat")}
    assert names == set(VALID) | set(INVALID) | set(TRANSACTION)
    assert _readme_list(rfc4475_dir, "section 3.1.1") == set(VALID)
    assert _readme_list(rfc4475_dir, "section 3.1.2") == set(INVALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_rfc4475_valid_message_parses(rfc4475_dir: Path, name: str) -> None:
    msg = parse_message((rfc4475_dir / f"{name}.dat").read_bytes())
    if name != "mpart01":
        assert msg.call_id.startswith(name)
    VALID[name](msg)


def _assert_rejected(data: bytes, name: str, status: int, answered: bool) -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(data)
    err = info.value
    assert (err.status, err.request is not None) == (status, answered), err.reason
    if err.request is not None:
        resp = make_response(err.request, err.status, err.reason, to_tag="t1")
        assert resp.call_id.startswith(name) and resp.status == status
        assert resp.to_bytes().startswith(f"SIP/2.0 {status} ".encode())


@pytest.mark.parametrize("name", sorted(INVALID))
def test_rfc4475_invalid_message_is_rejected(rfc4475_dir: Path, name: str) -> None:
    _assert_rejected((rfc4475_dir / f"{name}.dat").read_bytes(), name, *INVALID[name])


@pytest.mark.parametrize("name", sorted(TRANSACTION))
def test_rfc4475_transaction_layer_message(rfc4475_dir: Path, name: str) -> None:
    data = (rfc4475_dir / f"{name}.dat").read_bytes()
    expected = TRANSACTION[name]
    if expected is None:
        assert parse_message(data).call_id.startswith(name)
    else:
        _assert_rejected(data, name, *expected)


# -- details of the datagram rules ---------------------------------------------------------

def _options(call_id: str = "p1@test", extra: str = "", body: bytes = b"",
             length: int | None = None) -> bytes:
    head = (
        "OPTIONS sip:alice@pbx.test SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\n"
        "From: <sip:bob@pbx.test>;tag=b1\r\nTo: <sip:alice@pbx.test>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: 7 OPTIONS\r\n{extra}"
        f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    )
    return head.encode() + body


def test_missing_max_forwards_and_content_length_are_accepted() -> None:
    data = _options(body=b"hello").replace(b"Content-Length: 5\r\n", b"")
    assert b"Max-Forwards" not in data
    msg = parse_message(data)
    assert msg.body == b"hello"  # without Content-Length a datagram's body is the rest (18.3)


def test_compact_forms_and_folding_reach_callers_in_long_form() -> None:
    data = _options(extra="s: first\r\n\tsecond\r\nk: path\r\n")
    msg = parse_message(data)
    assert msg.headers.get("Subject") == "first second"
    assert msg.headers.get("Supported") == "path" and "s" not in [n for n, _ in msg.headers]


def test_leading_crlfs_are_ignored_and_extra_bytes_discarded() -> None:
    msg = parse_message(b"\r\n\r\n" + _options(body=b"abc", length=2) + b"junk")
    assert msg.body == b"ab"


def test_other_uri_schemes_are_left_to_the_core() -> None:
    msg = parse_message(_options().replace(b"sip:alice@pbx.test SIP", b"tel:+4930123 SIP", 1))
    assert isinstance(msg, Request) and msg.uri == "tel:+4930123"


def test_response_is_parsed() -> None:
    data = _options().replace(b"OPTIONS sip:alice@pbx.test SIP/2.0", b"SIP/2.0 486 Busy Here")
    msg = parse_message(data)
    assert isinstance(msg, Response) and (msg.status, msg.reason) == (486, "Busy Here")


def test_oversized_message_is_413_and_still_answerable() -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(_options(body=b"x" * 2000), Limits(max_message=1000))
    assert info.value.status == 413 and info.value.request is not None


def test_body_over_max_body_is_413() -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(_options(body=b"x" * 200), Limits(max_body=100))
    assert (info.value.status, info.value.reason) == (413, "Message body too large")


@pytest.mark.parametrize(
    ("limits", "extra", "reason"),
    [
        (Limits(max_headers=8), "".join(f"X-{i}: {i}\r\n" for i in range(10)), "Too many headers"),
        (Limits(max_line=100), "Subject: " + "y" * 50 + "\r\n " + "z" * 50 + "\r\n",
         "Header line too long"),
    ],
    ids=["headers", "folded-line"],
)
def test_header_limits(limits: Limits, extra: str, reason: str) -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(_options(extra=extra), limits)
    assert (info.value.status, info.value.reason) == (400, reason)
    assert info.value.request is not None and info.value.request.call_id == "p1@test"


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "data",
    [
        b"OPTIONS sip:a@b SIP/2.0\r\nSubject: x\r\n" + b" y\r\n" * 500_000,
        b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X: y\r\n" * 500_000,
        b"\r\n" * 1_000_000 + b"x",
        b"a" * 2_000_000,
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h" + b" " * 2_000_000 + b"x\r\n\r\n",
    ],
    ids=["continuations", "headers", "crlfs", "one-line", "spaces"],
)
def test_huge_input_fails_in_linear_time(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse_message(data, Limits(max_message=4_000_000, max_line=4_000_000))


# -- the TCP stream framer -----------------------------------------------------------------

def test_framer_byte_by_byte() -> None:
    data = _options(body=b"0123456789")
    framer = StreamFramer()
    items = [item for i in range(len(data)) for item in framer.feed(data[i : i + 1])]
    assert len(items) == 1
    msg = items[0]
    assert isinstance(msg, Request) and (msg.call_id, msg.body) == ("p1@test", b"0123456789")


def test_framer_every_split_point() -> None:
    data = _options(call_id="a@t", body=b"abc") + _options(call_id="b@t")
    for cut in range(len(data) + 1):
        framer = StreamFramer()
        items = framer.feed(data[:cut]) + framer.feed(data[cut:])
        assert [m.call_id for m in items if isinstance(m, Request)] == ["a@t", "b@t"], cut


def test_framer_pipelined_messages_keep_their_order() -> None:
    resp = _options(call_id="r@t").replace(b"OPTIONS sip:alice@pbx.test SIP/2.0", b"SIP/2.0 200 OK")
    items = StreamFramer().feed(_options(call_id="1@t") + resp + _options(call_id="2@t"))
    assert [(type(m).__name__, getattr(m, "call_id", None)) for m in items] == [
        ("Request", "1@t"), ("Response", "r@t"), ("Request", "2@t")]


def test_framer_keepalive_ping_gets_pong() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n\r\n") == [b"\r\n"]
    assert framer.feed(b"\r\n") == []  # half a ping, or a pong: nothing yet
    assert framer.feed(b"\r\n") == [b"\r\n"]
    items = framer.feed(b"\r\n" + _options() + b"\r\n\r\n")  # pong, message, ping
    assert [type(i).__name__ for i in items] == ["Request", "bytes"]


def test_framer_malformed_message_does_not_break_the_stream() -> None:
    bad = _options(call_id="bad id@t")
    items = StreamFramer().feed(bad + _options(call_id="good@t"))
    assert isinstance(items[0], SipParseError) and items[0].reason == "Bad Call-ID"
    assert isinstance(items[1], Request) and items[1].call_id == "good@t"


def test_framer_missing_content_length_is_fatal() -> None:
    data = _options().replace(b"Content-Length: 0\r\n", b"")
    framer = StreamFramer()
    good = framer.feed(_options(call_id="first@t"))
    assert len(good) == 1
    with pytest.raises(FramingError) as info:
        framer.feed(_options(call_id="second@t") + data)
    err = info.value
    assert (err.status, err.reason) == (400, "Missing Content-Length header")
    assert err.request is not None and err.request.call_id == "p1@test"
    assert [m.call_id for m in err.framed if isinstance(m, Request)] == ["second@t"]
    with pytest.raises(FramingError):
        framer.feed(_options())  # the connection is beyond repair


def test_framer_endless_header_section_is_fatal() -> None:
    framer = StreamFramer(Limits(max_message=2000))
    framer.feed(b"OPTIONS sip:a@b SIP/2.0\r\n")
    with pytest.raises(FramingError) as info:
        for _ in range(100):
            framer.feed(b"X-Padding: 0123456789012345678901234567890123456789\r\n")
    assert info.value.status == 413 and info.value.request is None


def test_framer_content_length_beyond_limit_is_fatal() -> None:
    with pytest.raises(FramingError) as info:
        StreamFramer().feed(_options(length=1_000_000))
    assert info.value.status == 413 and info.value.request is not None


@pytest.mark.timeout(20)
def test_framer_is_linear_in_many_small_items() -> None:
    items = StreamFramer().feed(b"\r\n\r\n" * 250_000)
    assert len(items) == 250_000
    framer = StreamFramer(Limits(max_message=2_000_000, max_body=2_000_000))
    body = b"b" * 1_000_000
    data = _options(body=body)
    got = [i for k in range(0, len(data), 1000) for i in framer.feed(data[k : k + 1000])]
    assert len(got) == 1 and isinstance(got[0], Request) and got[0].body == body


# -- fuzz ------------------------------------------------------------------------------------

def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op == 1:
            b[pos:pos] = rng.choice([b"\r\n", b" ", b"\t", b":", b";", b"%", b"\x00", b'"', b"<",
                                     b",", b"\r\n ", b"\xff", b"@", b"0" * 12])
        elif op == 2:
            del b[pos : pos + rng.randint(1, 40)]
        elif op == 3:
            end = min(len(b), pos + rng.randint(1, 80))
            b[end:end] = b[pos:end]
        elif op == 4:
            del b[pos:]
        elif op == 5:
            lines = bytes(b).split(b"\r\n")
            rng.shuffle(lines)
            b = bytearray(b"\r\n".join(lines))
        else:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(b)


def test_fuzz_raises_only_sip_parse_error(rfc4475_dir: Path) -> None:
    rng = random.Random(1)
    seeds = [(rfc4475_dir / f"{n}.dat").read_bytes() for n in sorted(VALID)]
    seeds.append(_options(body=b"hello"))
    outcomes = {"parsed": 0, "answered": 0, "dropped": 0}
    for _ in range(2000):
        data = _mutate(rng, rng.choice(seeds))
        try:
            parse_message(data)
            outcomes["parsed"] += 1
        except SipParseError as err:
            assert err.reason != "Unparseable message", data  # the safety net never needed
            assert not re.search(r"[\x00-\x1f]", err.reason)
            outcomes["answered" if err.request is not None else "dropped"] += 1
            if err.request is not None:
                make_response(err.request, err.status, err.reason, to_tag="t").to_bytes()
        framer = StreamFramer()
        cut = rng.randrange(len(data) + 1)
        try:
            for item in framer.feed(data[:cut]) + framer.feed(data[cut:]):
                assert isinstance(item, Request | Response | SipParseError | bytes)
        except FramingError as err:
            assert err.reason != "Unparseable stream"
    assert min(outcomes.values()) > 50, outcomes  # the mutations reach every outcome


def test_numbers_at_the_edges_of_their_ranges_are_accepted() -> None:
    """The last value in range of each numeric header parses (the first out of range is a
    400 in test_sip_malformed.py)."""
    msg = parse_message(_options(extra=(
        "Via: SIP/2.0/UDP 192.0.2.1:65535;branch=z9hG4bKedge\r\n"
        "Contact: <sip:edge@[::1]:1>\r\nRoute: <sip:192.0.2.2:65535;lr>\r\n"
        "Max-Forwards: 255\r\nExpires: 4294967295\r\n"
        "Retry-After: 18000 (lunch break);duration=3600\r\n"
    )).replace(b"CSeq: 7 OPTIONS", b"CSeq: 2147483647 OPTIONS"))
    assert isinstance(msg, Request)
    assert msg.cseq == (2**31 - 1, "OPTIONS") and msg.vias[1].port == 65535
    assert msg.headers.get("Expires") == "4294967295"


@pytest.mark.parametrize("value", ["4294967296", "9" * 5000])
def test_expires_beyond_32_bits_is_capped_not_refused(value: str) -> None:
    """RFC 3261 20.19 bounds Expires to 2**32-1 and RFC 4475 scalar02 has such values treated
    as capped, not as errors; a 5,000-digit value must not reach int() (Python refuses to
    convert more than 4,300 digits)."""
    msg = parse_message(_options(extra=f"Expires: {value}\r\n"))
    assert msg.headers.get("Expires") == str(2**32 - 1)
