"""SIP URIs, name-addr values and Via headers (RFC 3261 19.1, 20.10, 20.42): what they
parse into, that what they print parses back to the same thing, and what they refuse."""

from __future__ import annotations

import pytest

from softphone.pbx.sip.address import AddressError, NameAddr, SipUri, Via


def test_sip_uri_fields() -> None:
    uri = SipUri.parse("SIPS:alice:secret@[2001:db8::1]:5061;Transport=tcp;lr?subject=hi")
    assert (uri.scheme, uri.user, uri.password) == ("sips", "alice", "secret")
    assert (uri.host, uri.port, uri.hostport) == ("[2001:db8::1]", 5061, "[2001:db8::1]:5061")
    assert uri.params == {"transport": "tcp", "lr": ""} and uri.headers == "subject=hi"


def test_sip_uri_host_only_and_case() -> None:
    uri = SipUri.parse("sip:PBX.Example.COM")
    assert (uri.user, uri.host, uri.port) == (None, "pbx.example.com", None)


@pytest.mark.parametrize(
    "text",
    [
        "sip:alice@example.com",
        "sips:bob:pw@192.0.2.1:5061;transport=tls",
        "sip:carol@example.com;lr;maddr=192.0.2.9?subject=project",
        "sip:+4930123456@gw.example.net;user=phone",
        "sip:example.com",
    ],
)
def test_sip_uri_prints_as_parsed(text: str) -> None:
    assert str(SipUri.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("sip:I%20have%20spaces@example.net", "I have spaces"),
        ("sip:sips%3Auser%40example.com@example.net", "sips:user@example.com"),  # RFC 4475 esc01
        ("sip:null-%00-null@example.com", "null-\x00-null"),  # RFC 4475 escnull
        ("sip:user;par=u%40example.net@example.com", "user;par=u@example.net"),  # semiuri
        ("sip:a?b=c@example.com", "a?b=c"),
    ],
)
def test_sip_uri_escaped_user_survives_a_round_trip(text: str, user: str) -> None:
    uri = SipUri.parse(text)
    assert uri.user == user and uri.host.startswith("example.")
    again = SipUri.parse(str(uri))
    assert again == uri


def test_sip_uri_user_part_with_reserved_characters() -> None:
    # RFC 4475 3.1.1.2 (intmeth): '?' and ';' belong to the user part before the '@'.
    uri = SipUri.parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
                       "weird!*pas$wo~d_too.(doesn't-it)@example.com")
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert (uri.host, uri.params, uri.headers) == ("example.com", {}, "")


def test_sip_uri_headers_after_host() -> None:
    uri = SipUri.parse("sip:user@example.com?Route=%3Csip:example.com%3E")
    assert (uri.user, uri.host) == ("user", "example.com")
    assert uri.headers == "Route=%3Csip:example.com%3E"


@pytest.mark.parametrize(
    "text",
    [
        "tel:+4930123456",
        "http://example.com",
        "sip",
        "sip:",
        "sip:@example.com",
        "sip:us%zzer@example.com",
        "sip:us%4@example.com",
        "sip:user@exa mple.com",
        "sip:us er@example.com",
        "sip:us<er@example.com",
        "sip:user@example.com:99999",
        "sip:user@example.com:0",
        "sip:user@example.com:port",
        "sip:user@[2001:db8::1",
    ],
)
def test_sip_uri_errors(text: str) -> None:
    with pytest.raises(AddressError):
        SipUri.parse(text)


def test_address_error_is_a_value_error() -> None:
    assert issubclass(AddressError, ValueError)


def test_name_addr_fields() -> None:
    na = NameAddr.parse('"Alice \\"Al\\" Smith" <sip:alice@example.com;transport=tcp>;tag=a1;x')
    assert na.display == 'Alice "Al" Smith'
    assert (na.uri.user, na.uri.params) == ("alice", {"transport": "tcp"})
    assert na.params == {"tag": "a1", "x": ""}
    assert na.raw_uri == "sip:alice@example.com;transport=tcp"


def test_name_addr_unquoted_display_and_addr_spec() -> None:
    assert NameAddr.parse("Bob Builder <sip:bob@example.com>").display == "Bob Builder"
    # addr-spec: parameters after ';' belong to the header, not the URI (20.10)
    na = NameAddr.parse("sip:carol@example.com;tag=c3")
    assert (na.display, na.uri.params, na.params) == (None, {}, {"tag": "c3"})


@pytest.mark.parametrize(
    "text",
    [
        '"Alice \\"Al\\" Smith" <sip:alice@example.com>;tag=a1',
        '"back\\\\slash" <sip:b@example.com>',
        "<sips:bob@192.0.2.4:5061;transport=tls>;expires=60",
        "Bob <sip:bob@example.com>",
    ],
)
def test_name_addr_round_trip(text: str) -> None:
    na = NameAddr.parse(text)
    assert NameAddr.parse(str(na)) == na


def test_name_addr_prints_a_quoted_display_name() -> None:
    na = NameAddr.parse('"a \\"b\\"" <sip:x@example.com>;tag=1')
    assert str(na) == '"a \\"b\\"" <sip:x@example.com>;tag=1'


@pytest.mark.parametrize(
    "text",
    [
        '"Mr. J. User <sip:j.user@example.com>',  # RFC 4475 quotbal
        "<sip:alice@example.com",
        '"Alice" sip:alice@example.com',
        "<sip:al ice@example.com>",
        "<tel:+4930123>",
        "",
    ],
)
def test_name_addr_errors(text: str) -> None:
    with pytest.raises(AddressError):
        NameAddr.parse(text)


def test_via_fields() -> None:
    via = Via.parse("SIP / 2.0 / tcp  [2001:db8::9]:5070 ; branch=z9hG4bK-1 "
                    ";rport;received=192.0.2.1")
    assert (via.transport, via.host, via.port) == ("TCP", "[2001:db8::9]", 5070)
    assert via.branch == "z9hG4bK-1" and via.params["rport"] == ""
    assert via.params["received"] == "192.0.2.1"


@pytest.mark.parametrize(
    "text",
    [
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport",
        "SIP/2.0/TLS pbx.example.com;branch=z9hG4bK-x",
        "SIP/2.0/WS a.invalid",
    ],
)
def test_via_round_trip(text: str) -> None:
    assert str(Via.parse(text)) == text
    assert Via.parse(str(Via.parse(text))) == Via.parse(text)


def test_via_of_another_version_still_routes_a_505() -> None:
    via = Via.parse("SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw")  # RFC 4475 badvers
    assert (via.host, via.branch) == ("c.example.com", "z9hG4bKkdjuw")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SIP/2.0/UDP",
        "SIP/2.0 192.0.2.1",
        "HTTP/1.1/TCP 192.0.2.1",
        "SIP/2.0/UDP 192.0.2.1:70000",
        "SIP/2.0/UDP bad!host",
        "this is not a via",
    ],
)
def test_via_errors(text: str) -> None:
    with pytest.raises(AddressError):
        Via.parse(text)
