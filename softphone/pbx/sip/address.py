"""SIP URIs, name-addr values and Via headers (RFC 3261 sections 19.1, 20.10, 20.42).

Parsing raises AddressError with a short reason; the parser turns that into a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote


class AddressError(ValueError):
    """A URI, name-addr or Via value that does not follow the grammar."""


class PortError(AddressError):
    """A port outside 1..65535: the grammar's `port = 1*DIGIT` (25.1) cannot be sent to
    when it does not fit 16 bits, and port 0 addresses nobody."""


PORT_RANGE = "port out of range (1-65535)"


def _parse_params(text: str) -> dict[str, str]:
    """`;a=b;c` -> {"a": "b", "c": ""}; names are lower-cased (they compare case-insensitively)."""
    params: dict[str, str] = {}
    if not text:
        return params  # most URIs and To values have none
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip()
    return params


def _format_params(params: dict[str, str]) -> str:
    return "".join(f";{k}={v}" if v != "" else f";{k}" for k, v in params.items())


_HOSTPORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")
# Compiled once: NameAddr/SipUri parsing runs for every From, To and Contact, and the
# per-character any(...) scans these replace were ~5 % of REGISTER's CPU (cProfile).
_BAD_USER_CHAR = re.compile(r'[ \t<>"]')
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")
_DISPLAY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*')
_QUOTED_PAIR = re.compile(r"\\(.)")


def split_hostport(text: str) -> tuple[str, int | None]:
    m = _HOSTPORT.match(text.strip())
    if not m:
        raise AddressError(f"bad host {text!r}")
    port = int(m.group(2)) if m.group(2) else None
    if port is not None and not 0 < port < 65536:
        raise PortError(PORT_RANGE)
    return m.group(1), port


@dataclass
class SipUri:
    scheme: str = "sip"
    user: str | None = None
    password: str | None = None
    host: str = ""
    port: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: str = ""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        text = text.strip()
        scheme, sep, rest = text.partition(":")
        scheme = scheme.lower()
        if not sep or scheme not in ("sip", "sips"):
            raise AddressError(f"unsupported URI scheme in {text!r}")
        # '?' and ';' are legal in the user part (user-unreserved, 19.1.1) and '@' is legal
        # nowhere after it, so split at the last '@' first (RFC 4475 3.1.1.2, 3.1.1.10).
        userinfo, at, hostpart = rest.rpartition("@")
        if not at:
            userinfo, hostpart = "", rest
        hostpart, _, headers = hostpart.partition("?")
        hostport, _, paramtext = hostpart.partition(";")
        host, port = split_hostport(hostport)
        user: str | None = None
        password: str | None = None
        if at:
            u, colon, pw = userinfo.partition(":")
            if not u:
                raise AddressError(f"empty user part in {text!r}")
            if _BAD_USER_CHAR.search(u):
                raise AddressError(f"bad character in user part of {text!r}")
            if "%" in u and _BAD_ESCAPE.search(u):
                raise AddressError(f"bad escape in user part of {text!r}")
            user = unquote(u) if "%" in u else u
            password = pw if colon else None
        return cls(scheme, user, password, host.lower(), port, _parse_params(paramtext), headers)

    @property
    def hostport(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def __str__(self) -> str:
        userinfo = ""
        if self.user is not None:
            # Re-escape what parse() unescaped, or "a%40b" would come back as "a@b" (19.1.2).
            password = f":{self.password}" if self.password is not None else ""
            userinfo = quote(self.user, safe="!*'()&=+$,;?/") + password + "@"
        tail = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{userinfo}{self.hostport}{_format_params(self.params)}{tail}"


@dataclass
class NameAddr:
    """A From/To/Contact/Route value: optional display name, URI, header parameters."""

    display: str | None
    uri: SipUri
    params: dict[str, str] = field(default_factory=dict)
    raw_uri: str = ""

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        text = text.strip()
        display: str | None = None
        if text.startswith('"'):
            m = _DISPLAY.match(text)
            if not m:
                raise AddressError("unbalanced quotes in display name")
            display = _QUOTED_PAIR.sub(r"\1", m.group(1))
            text = text[m.end():]
        lt = text.find("<")
        if lt >= 0:
            gt = text.find(">", lt)
            if gt < 0:
                raise AddressError("missing '>'")
            if display is None and text[:lt].strip():
                display = text[:lt].strip()
            raw_uri = text[lt + 1 : gt]
            params = _parse_params(text[gt + 1 :])
        else:
            if display is not None:
                raise AddressError("display name without <uri>")
            # addr-spec: URI parameters after ';' belong to the header, not the URI (20.10).
            raw_uri, _, ptext = text.partition(";")
            params = _parse_params(ptext)
        if _SPACE.search(raw_uri.strip()):
            raise AddressError("whitespace inside URI")
        return cls(display, SipUri.parse(raw_uri), params, raw_uri.strip())

    def __str__(self) -> str:
        # quoted-string (25.1): '"' and '\\' need a quoted-pair, as parse() removed them.
        quoted = (self.display or "").replace("\\", "\\\\").replace('"', '\\"')
        name = f'"{quoted}" ' if self.display else ""
        return f"{name}<{self.uri}>{_format_params(self.params)}"


# Any SIP version, so a request of another version can still be answered with 505 (21.5.6;
# RFC 4475 3.1.2.15). The parser insists on 2.0 in the messages it accepts.
_VIA = re.compile(
    r"^SIP\s*/\s*[0-9]+\.[0-9]+\s*/\s*([A-Za-z]+)\s+([^;\s]+(?:\s*:\s*\d+)?)\s*(;.*)?$", re.S
)


@dataclass
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Via:
        m = _VIA.match(text.strip())
        if not m:
            raise AddressError(f"bad Via {text!r}")
        hostport = m.group(2)
        # LWS around ':' (RFC 4475 3.1.1.1); isprintable() is False for every other \s.
        if " " in hostport or not hostport.isprintable():
            hostport = _SPACES.sub("", hostport)
        host, port = split_hostport(hostport)
        return cls(m.group(1).upper(), host, port, _parse_params(m.group(3) or ""))

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    def __str__(self) -> str:
        hp = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"SIP/2.0/{self.transport} {hp}{_format_params(self.params)}"
