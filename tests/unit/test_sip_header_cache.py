"""The message layer's shortcuts: parsed header values cached per message, memoised header
names, the list-splitting and plain-section fast paths. Each must give what the slow path
gives, and a change to a header must never leave a stale parsed value behind."""

from __future__ import annotations

import pytest

from softphone.pbx.sip import message
from softphone.pbx.sip.address import AddressError
from softphone.pbx.sip.message import Headers, canonical_name, make_response, split_list
from softphone.pbx.sip.parser import Limits, parse_message

REGISTER = (
    b"REGISTER sip:example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport\r\n"
    b"From: <sip:100@example.com>;tag=abc\r\n"
    b"To: <sip:100@example.com>\r\n"
    b"Call-ID: c1@192.0.2.1\r\n"
    b"CSeq: 7 REGISTER\r\n"
    b"Contact: <sip:100@192.0.2.1:5060>\r\n"
    b"Max-Forwards: 70\r\n"
    b"Content-Length: 0\r\n\r\n"
)


def test_parsed_values_are_computed_once_per_message() -> None:
    req = parse_message(REGISTER)
    assert req.top_via is req.top_via
    assert req.from_ is req.from_
    assert req.to is req.to
    assert req.cseq == (7, "REGISTER")


def test_changing_a_header_drops_only_its_own_parsed_value() -> None:
    req = parse_message(REGISTER)
    from_, via = req.from_, req.top_via
    req.headers.replace_first("Via", "SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK-2")
    assert req.from_ is from_  # stamping the Via keeps the parsed From
    assert req.top_via is not via
    assert (req.top_via.host, req.top_via.port, req.top_via.branch) == \
        ("192.0.2.9", 5070, "z9hG4bK-2")
    req.headers.set("From", "<sip:101@example.com>;tag=xyz")
    assert req.from_tag == "xyz" and req.from_.uri.user == "101"
    req.headers.set("CSeq", "8 REGISTER")
    assert req.cseq == (8, "REGISTER")


@pytest.mark.parametrize("change", ["add", "prepend", "set", "replace_first", "remove"])
def test_every_kind_of_change_invalidates(change: str) -> None:
    req = parse_message(REGISTER)
    assert req.to_tag is None
    if change == "remove":
        req.headers.remove("To")
        assert "To" not in req.headers
        req.headers.add("To", "<sip:100@example.com>;tag=t1")
    elif change == "add":
        req.headers.remove("To")
        with pytest.raises(AddressError):
            req.to  # noqa: B018 - no To now: that raises, and nothing is cached
        req.headers.add("To", "<sip:100@example.com>;tag=t1")
    else:
        getattr(req.headers, change)("To", "<sip:100@example.com>;tag=t1")
    assert req.to_tag == "t1"


def test_a_bad_value_raises_every_time_and_is_not_cached() -> None:
    h = Headers([("To", "<sip:broken")])
    msg = message.Request(headers=h, method="OPTIONS", uri="sip:x")
    for _ in range(2):
        with pytest.raises(AddressError):
            msg.to  # noqa: B018
    h.set("To", "<sip:ok@example.com>")
    assert msg.to.uri.user == "ok"


def test_canonical_names_are_memoised_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message, "_CANONICAL", {})
    monkeypatch.setattr(message, "_CANONICAL_MAX", 3)
    assert canonical_name("v") == "Via"
    assert canonical_name("call-id") == "Call-ID"
    assert canonical_name("x-foo-bar") == "X-Foo-Bar"
    assert canonical_name("X-Other") == "X-Other"  # computed, but the memo is full
    assert len(message._CANONICAL) == 3
    assert canonical_name("v") == "Via"


@pytest.mark.parametrize("value", [
    "", " ", "a", " a ", "a,b", "a, ,b,", '"x, y" <sip:a>, <sip:b>', "<sip:a,b>;p=1, c",
    '"q\\"," <sip:a>', ",,",
])
def test_split_list_fast_paths_agree_with_the_scanner(value: str) -> None:
    # The scanner alone: a quote character forces it even where no comma is quoted.
    assert split_list(value) == _scan(value)


def _scan(value: str) -> list[str]:
    parts, depth, quoted, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif quoted:
            escaped, quoted = ch == "\\", ch != '"'
        elif ch == '"':
            quoted = True
        elif ch in "<>":
            depth = depth + 1 if ch == "<" else max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


def test_plain_and_line_by_line_sections_parse_alike() -> None:
    folded = REGISTER.replace(b"Contact: <sip:100@192.0.2.1:5060>",
                              b"Contact:\r\n <sip:100@192.0.2.1:5060>")
    plain, slow = parse_message(REGISTER), parse_message(folded)
    assert list(plain.headers) == list(slow.headers)
    spaced = REGISTER.replace(b"Max-Forwards: 70", b"Max-Forwards  :   70 \t")
    assert parse_message(spaced).headers.get("Max-Forwards") == "70"


def test_limits_hold_on_the_plain_path_too() -> None:
    with pytest.raises(Exception) as info:
        parse_message(REGISTER, Limits(max_headers=5))
    assert "Too many headers" in str(info.value)
    with pytest.raises(Exception) as info:
        parse_message(REGISTER, Limits(max_line=40))
    assert "Header line too long" in str(info.value)


def test_make_response_copies_in_rfc_order_and_tags_to() -> None:
    req = parse_message(REGISTER.replace(
        b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport\r\n",
        b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-0\r\n"))
    resp = make_response(req, 200, to_tag="t9", extra=[("Contact", "<sip:x@y>")])
    assert [n for n, _ in resp.headers] == \
        ["Via", "Via", "From", "To", "Call-ID", "CSeq", "Contact"]
    assert resp.to_tag == "t9" and resp.headers.get_all("Via")[1].endswith("z9hG4bK-0")
    assert make_response(req, 100, to_tag="t9").to_tag is None  # 8.2.6.1: no tag on 100


def test_a_malformed_line_among_plain_ones_is_still_refused() -> None:
    for bad in (b"Max-Forwards: 70\r\nbad line: x", b"Max-Forwards: 70\nX: y",
                b"Max-Forwards: 7\r0", b"Max-Forwards: 70\x01"):
        with pytest.raises(Exception) as info:
            parse_message(REGISTER.replace(b"Max-Forwards: 70", bad))
        assert getattr(info.value, "status", None) == 400, bad
