"""The PBX configuration: one TOML file, validated up front with messages that say where.

Every mistake becomes a ConfigError naming the file, the key (``sip.port``,
``extensions[2].number``) and what is wrong, so an administrator can fix the file without
reading code. The layout is documented in resources/demo/pbx.toml, which is also the
configuration used when no file is given.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from softphone.common.resources import resource
from softphone.pbx.conferences import Room, parse_rooms
from softphone.pbx.doors import Door, parse_doors
from softphone.pbx.ringgroups import RingGroup, parse_ring_groups
from softphone.pbx.sharedlines import SharedLine, parse_shared_lines
from softphone.pbx.validate import DEMO_SOURCE, ConfigError, Validator, describe

ROLES = ("user", "reception", "admin")
TRANSPORTS = ("udp", "tcp", "tls")
_NUMBER = re.compile(r"[0-9]{2,6}")
_HEX = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class Extension:
    number: str
    display_name: str
    # HA1 values are hex digests of "user:realm:password" (RFC 2617 section 3.2.2.2,
    # RFC 7616 section 3.4.2); given a password, both are derived from it at load time.
    password: str | None
    ha1_md5: str | None
    ha1_sha256: str | None
    role: str
    department: str = ""
    # Defaults of the self-service settings until the user changes them (issue 5).
    call_waiting: bool = True
    busy_on_busy: bool = False


@dataclass(frozen=True)
class SipSettings:
    host: str = "127.0.0.1"
    port: int = 5060
    transports: tuple[str, ...] = ("udp", "tcp")
    # Written into Via/Contact/SDP when host is a wildcard address (0.0.0.0 or ::).
    public_address: str | None = None
    realm: str = "softphone.local"
    max_transactions: int = 20000
    # Digest algorithms in the order offered (RFC 8760 section 2.4: the client takes the
    # first it supports). SHA-256 first; put MD5 first only for phones that stop at the
    # first challenge and know nothing but MD5 (sipp 3.6, some old desk phones).
    digest_algorithms: tuple[str, ...] = ("SHA-256", "MD5")
    # User-Agent prefixes of phones that fail on any challenge but MD5 (baresip 1.0 gives
    # up on a 401 that has a SHA-256 challenge anywhere): they are offered MD5 alone
    # (features/digestpolicy.py).
    md5_only_user_agents: tuple[str, ...] = ("baresip v0.", "baresip v1.")
    # SIP over TLS (RFC 3261 section 26, RFC 5630) when transports lists "tls": its own port
    # (0: any free port, tests) and a PEM certificate chain and key, relative to the file.
    tls_port: int = 5061
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # RFC 5626 outbound: the Flow-Timer (seconds) a phone on TCP or TLS is asked to send
    # keep-alives in (over UDP phones keep their own 25-29 s, section 4.4.1).
    flow_timer: int = 120
    # Whether the PBX checks the certificate of a phone it connects to over TLS (after a
    # restart, features/outbound.py). Desk phones have self-signed certificates, so off by
    # default, as PBXs of desk phones do; tls_ca names the CA file (PEM) when on.
    tls_verify_phones: bool = False
    tls_ca: Path | None = None
    # RFC 4028 session timers (features/sessiontimer.py): the interval (seconds) the PBX
    # offers and allows at most (0: off), and the smallest it accepts (Min-SE, 422 below).
    session_expires: int = 1800
    min_se: int = 90


SRTP_MODES = ("optional", "mandatory", "off")


@dataclass(frozen=True)
class RtpSettings:
    host: str = "127.0.0.1"
    port_min: int = 20000
    port_max: int = 29999
    # SRTP (RFC 3711, keys by SDES, RFC 4568) on the legs to phones, only over SIP over TLS:
    # "optional" (SRTP where a phone offers it, plain RTP otherwise), "mandatory" (refuse
    # plain RTP with 488), "off" (plain RTP only).
    srtp: str = "optional"
    # An answered call whose relay receives no RTP/RTCP from either side for this many
    # seconds is ended (a phone that died or lost its network); 0 turns the check off.
    media_timeout: float = 60.0


@dataclass(frozen=True)
class SecuritySettings:
    # Kamailio pike-like: 16 failed authentications within 2 s ban the source for 5 min.
    ban_failures: int = 16
    ban_window: float = 2.0
    ban_seconds: float = 300.0
    min_register_expires: int = 60
    max_register_expires: int = 3600
    default_register_expires: int = 3600
    # Door opens through the API per user (refused ones too) within a minute; more: 429.
    door_opens_per_minute: int = 10
    door_audit_days: int = 365       # the door audit log keeps records this long
    # Per account, from any address (features/throttle.py): this many failed sign-ins
    # within account_window seconds slow its sign-ins down, doubling up to the maximum.
    account_failures: int = 5
    account_window: float = 600.0
    account_max_delay: float = 300.0
    # Per extension: calls at once (placed or talking; more get 486) and registered
    # devices (more get 403), so one account cannot take every RTP port or make
    # thousand-way forks.
    max_calls: int = 8
    max_contacts: int = 10
    # SIP over TCP/TLS (sip/streamguard.py): connections accepted overall and per address,
    # and seconds a connection may stay silent (longer than a re-registration interval).
    tcp_max_connections: int = 4096
    tcp_max_per_address: int = 64
    tcp_idle_timeout: float = 3720.0


@dataclass(frozen=True)
class ApiSettings:
    """The client API (HTTP + WebSocket, softphone/pbx/api/); HTTPS when tls_cert is set."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080                 # 0: any free port (tests)
    tls_cert: Path | None = None     # PEM certificate chain; relative to the config file
    tls_key: Path | None = None      # PEM private key; both or neither
    token_ttl: int = 3600            # seconds a sign-in token stays valid


@dataclass(frozen=True)
class PbxConfig:
    source: str
    sip: SipSettings = field(default_factory=SipSettings)
    rtp: RtpSettings = field(default_factory=RtpSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    extensions: dict[str, Extension] = field(default_factory=dict)
    api: ApiSettings = field(default_factory=ApiSettings)
    ring_groups: dict[str, RingGroup] = field(default_factory=dict)
    doors: dict[str, Door] = field(default_factory=dict)
    conferences: dict[str, Room] = field(default_factory=dict)
    shared_lines: dict[str, SharedLine] = field(default_factory=dict)

    def users(self) -> list[Extension]:
        """The extensions people use (not the doors' accounts)."""
        return [ext for ext in self.extensions.values() if ext.number not in self.doors]

    def door(self, number: str) -> Door | None:
        return self.doors.get(number)

    def extension(self, number: str) -> Extension | None:
        return self.extensions.get(number)

    def ring_group(self, number: str) -> RingGroup | None:
        return self.ring_groups.get(number)

    def shared_line(self, number: str) -> SharedLine | None:
        return self.shared_lines.get(number)


def load_config(path: Path | None) -> PbxConfig:
    """Read and validate ``path``; ``None`` loads the embedded demo configuration."""
    if path is None:
        return _read(resource("demo", "pbx.toml"), DEMO_SOURCE)
    return _read(path, str(path))


def parse_config(text: str, source: str) -> PbxConfig:
    """Validate TOML ``text``; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message carries "(at line L, column C)" from tomllib itself.
        raise ConfigError(source, "<syntax>", f"invalid TOML: {exc}") from None
    return _Validator(source).config(data)


def _read(path: Path, source: str) -> PbxConfig:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "<file>", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "<file>", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # TOML files are UTF-8 by definition (TOML 1.0, "Spec").
        raise ConfigError(source, "<file>", f"not UTF-8 text (byte {exc.start})") from None
    return parse_config(text, source)


class _Validator(Validator):
    """The PbxConfig sections (doors.py, ringgroups.py, conferences.py and sharedlines.py add
    theirs)."""

    def config(self, data: dict[str, Any]) -> PbxConfig:
        self.known_keys(data, "", ("sip", "rtp", "security", "extensions", "api", "ring_groups",
                                   "doors", "conferences", "shared_lines"))
        sip = self.sip(self.table(data, "sip", ""))
        rtp = self.rtp(self.table(data, "rtp", ""), sip)
        security = self.security(self.table(data, "security", ""))
        entries = data.get("extensions", [])
        if not isinstance(entries, list):
            raise self.fail("extensions", f"expected an array of tables ([[extensions]]), "
                                          f"got {describe(entries)}")
        extensions: dict[str, Extension] = {}
        first_index: dict[str, int] = {}
        for index, entry in enumerate(entries):
            ext = self.extension(entry, f"extensions[{index}].", sip.realm)
            if ext.number in first_index:
                raise self.fail(f"extensions[{index}].number",
                                f"duplicate number '{ext.number}' (also extensions"
                                f"[{first_index[ext.number]}])")
            first_index[ext.number] = index
            extensions[ext.number] = ext
        api = self.api(self.table(data, "api", ""))
        doors, door_accounts = parse_doors(self, data.get("doors", []), extensions, sip.realm,
                                           ROLES)
        groups = parse_ring_groups(self, data.get("ring_groups", []), set(extensions),
                                   taken=set(doors))
        rooms = parse_rooms(self, data.get("conferences", []),
                            set(extensions) | set(doors) | set(groups))
        lines = parse_shared_lines(self, data.get("shared_lines", []), set(extensions),
                                   set(extensions) | set(doors) | set(groups) | set(rooms),
                                   set(extensions) | set(groups))
        extensions.update((ext.number, ext) for ext in door_accounts)
        return PbxConfig(self.source, sip, rtp, security, extensions, api, groups, doors, rooms,
                         lines)

    def api(self, t: dict[str, Any]) -> ApiSettings:
        p, d = "api.", ApiSettings()
        self.known_keys(t, p, ("enabled", "host", "port", "tls_cert", "tls_key", "token_ttl"))
        enabled = self.get(t, "enabled", p, bool, d.enabled)
        host = self.get(t, "host", p, str, d.host)
        self.address(host, p + "host")
        port = self.ranged(t, "port", p, d.port, 0, 65535)
        cert = self.tls_file(t, "tls_cert", p)
        key = self.tls_file(t, "tls_key", p)
        if (cert is None) != (key is None):
            missing = "tls_key" if key is None else "tls_cert"
            raise self.fail(p + missing, "missing: give tls_cert and tls_key together "
                                         "(both for HTTPS, neither for plain HTTP)")
        # One minute to 30 days: shorter makes clients sign in all the time, longer leaves a
        # stolen token usable for too long (tokens are stateless and cannot be revoked).
        ttl = self.ranged(t, "token_ttl", p, d.token_ttl, 60, 30 * 86400)
        return ApiSettings(enabled, host, port, cert, key, ttl)

    def sip(self, t: dict[str, Any]) -> SipSettings:
        p, d = "sip.", SipSettings()
        self.known_keys(t, p, ("host", "port", "transports", "public_address", "realm",
                               "max_transactions", "digest_algorithms", "tls_port", "tls_cert",
                               "tls_key", "md5_only_user_agents", "flow_timer",
                               "tls_verify_phones", "tls_ca", "session_expires", "min_se"))
        host = self.get(t, "host", p, str, d.host)
        self.address(host, p + "host")
        # Port 0 lets the OS pick a free port: test harnesses start PBXs side by side.
        port = self.ranged(t, "port", p, d.port, 0, 65535)
        transports = self.get(t, "transports", p, list, list(d.transports))
        if not transports:
            raise self.fail(p + "transports", "needs at least one of 'udp', 'tcp', 'tls'")
        for i, name in enumerate(transports):
            if name not in TRANSPORTS:
                raise self.fail(f"{p}transports[{i}]",
                                f"{name!r} is not one of 'udp', 'tcp', 'tls'")
        if len(set(transports)) != len(transports):
            raise self.fail(p + "transports", "lists a transport twice")
        tls_port = self.ranged(t, "tls_port", p, d.tls_port, 0, 65535)
        cert, key = self.sip_tls(t, p, "tls" in transports)
        public: str | None = None
        if "public_address" in t:
            public = self.get(t, "public_address", p, str, "")
            if not public or any(c in public for c in ' ;,<>"'):
                raise self.fail(p + "public_address", f"{public!r} is not a host name or address")
        if ipaddress.ip_address(host).is_unspecified and public is None:
            raise self.fail(p + "public_address", f"required when host is {host}: the address "
                                                  f"phones reach this PBX at (Via, Contact, SDP)")
        realm = self.get(t, "realm", p, str, d.realm)
        # The realm goes into a quoted-string (RFC 3261 section 25.1): no quotes, no controls.
        if not realm or any(c in realm for c in '"\\') or not realm.isprintable():
            raise self.fail(p + "realm", f"{realm!r} must be non-empty printable text "
                                         f"without quotes or backslashes")
        max_tx = self.ranged(t, "max_transactions", p, d.max_transactions, 100, 10_000_000)
        algorithms = self.get(t, "digest_algorithms", p, list, list(d.digest_algorithms))
        if not algorithms or len(set(algorithms)) != len(algorithms) or \
                not set(algorithms) <= {"SHA-256", "MD5"}:
            raise self.fail(p + "digest_algorithms",
                            f"{algorithms!r} must list 'SHA-256' and/or 'MD5', each once, "
                            f"in the order offered")
        agents = self.get(t, "md5_only_user_agents", p, list, list(d.md5_only_user_agents))
        for i, agent in enumerate(agents):
            if not isinstance(agent, str) or not agent:
                raise self.fail(f"{p}md5_only_user_agents[{i}]",
                                f"{agent!r} must be a non-empty User-Agent prefix")
        # RFC 5626 section 4.4.1: keep-alives at 80-100 % of the Flow-Timer; under 10 s they
        # would be a flood, over a day no NAT keeps a flow.
        flow_timer = self.ranged(t, "flow_timer", p, d.flow_timer, 10, 86400)
        verify = self.get(t, "tls_verify_phones", p, bool, d.tls_verify_phones)
        ca = self.tls_file(t, "tls_ca", p)
        # RFC 4028 section 4 wants Min-SE at least 90 s; lower values are for tests.
        min_se = self.ranged(t, "min_se", p, d.min_se, 1, 86400)
        expires = self.ranged(t, "session_expires", p, d.session_expires, 0, 86400)
        if expires and expires < min_se:
            raise self.fail(p + "session_expires", f"{expires} is below min_se ({min_se}); "
                                                   f"0 turns session timers off")
        return SipSettings(host, port, tuple(transports), public, realm, max_tx,
                           tuple(algorithms), tuple(agents), tls_port, cert, key,
                           flow_timer, verify, ca, expires, min_se)

    def sip_tls(self, t: dict[str, Any], p: str, wanted: bool) -> tuple[Path | None, Path | None]:
        """[sip] tls_cert and tls_key: both required with "tls" in transports, else neither."""
        cert = self.tls_file(t, "tls_cert", p)
        key = self.tls_file(t, "tls_key", p)
        if wanted:
            for name, value in (("tls_cert", cert), ("tls_key", key)):
                if value is None:
                    raise self.fail(p + name, "missing: transports lists 'tls', which needs "
                                              "tls_cert and tls_key (PEM files)")
        elif cert is not None or key is not None:
            raise self.fail(p + ("tls_cert" if cert is not None else "tls_key"),
                            "given, but transports does not list 'tls'")
        return cert, key

    def rtp(self, t: dict[str, Any], sip: SipSettings) -> RtpSettings:
        p, d = "rtp.", RtpSettings()
        self.known_keys(t, p, ("host", "port_min", "port_max", "srtp", "media_timeout"))
        host = self.get(t, "host", p, str, d.host)
        self.address(host, p + "host")
        if ipaddress.ip_address(host).is_unspecified and sip.public_address is None:
            raise self.fail(p + "host", f"{host} needs sip.public_address for the SDP")
        low = self.ranged(t, "port_min", p, d.port_min, 1024, 65534)
        high = self.ranged(t, "port_max", p, d.port_max, 1025, 65535)
        if low > high:
            raise self.fail(p + "port_min", f"{low} is greater than port_max {high}")
        # RTP takes the even port and RTCP the next odd one (RFC 3550 section 11), so the
        # range must start even and hold whole pairs.
        if low % 2:
            raise self.fail(p + "port_min", f"{low} must be even (RTP even, RTCP odd; "
                                             f"RFC 3550 section 11)")
        if (high - low + 1) % 2:
            raise self.fail(p + "port_max", f"range {low}-{high} holds an odd count of ports; "
                                             f"end it on an odd port such as {high - 1}")
        srtp = self.get(t, "srtp", p, str, d.srtp)
        if srtp not in SRTP_MODES:
            raise self.fail(p + "srtp", f"must be one of {', '.join(SRTP_MODES)}, got {srtp!r}")
        timeout = self.get(t, "media_timeout", p, float, d.media_timeout)
        if not 0 <= timeout <= 86400:
            raise self.fail(p + "media_timeout", f"{timeout!r} is not 0 (off) or seconds "
                                                 f"up to 86400")
        return RtpSettings(host, low, high, srtp, timeout)

    def security(self, t: dict[str, Any]) -> SecuritySettings:
        p, d = "security.", SecuritySettings()
        self.known_keys(t, p, ("ban_failures", "ban_window", "ban_seconds",
                               "min_register_expires", "max_register_expires",
                               "default_register_expires", "door_opens_per_minute",
                               "door_audit_days", "account_failures", "account_window",
                               "account_max_delay", "max_calls", "max_contacts",
                               "tcp_max_connections", "tcp_max_per_address",
                               "tcp_idle_timeout"))
        failures = self.ranged(t, "ban_failures", p, d.ban_failures, 1, 1_000_000)
        window = self.positive(t, "ban_window", p, d.ban_window)
        seconds = self.positive(t, "ban_seconds", p, d.ban_seconds)
        day = 86400
        low = self.ranged(t, "min_register_expires", p, d.min_register_expires, 1, day)
        high = self.ranged(t, "max_register_expires", p, d.max_register_expires, 1, day)
        default = self.ranged(t, "default_register_expires", p, d.default_register_expires,
                              1, day)
        if low > high:
            raise self.fail(p + "min_register_expires",
                            f"{low} is greater than max_register_expires {high}")
        if not low <= default <= high:
            raise self.fail(p + "default_register_expires",
                            f"{default} is outside min_register_expires-max_register_expires "
                            f"({low}-{high})")
        opens = self.ranged(t, "door_opens_per_minute", p, d.door_opens_per_minute, 1, 1000)
        audit_days = self.ranged(t, "door_audit_days", p, d.door_audit_days, 1, 36500)
        account = self.ranged(t, "account_failures", p, d.account_failures, 1, 1_000_000)
        account_window = self.positive(t, "account_window", p, d.account_window)
        account_delay = self.positive(t, "account_max_delay", p, d.account_max_delay)
        if account_delay < 2.0:
            raise self.fail(p + "account_max_delay", "must be at least 2 (seconds)")
        max_calls = self.ranged(t, "max_calls", p, d.max_calls, 1, 1000)
        max_contacts = self.ranged(t, "max_contacts", p, d.max_contacts, 1, 1000)
        tcp_max = self.ranged(t, "tcp_max_connections", p, d.tcp_max_connections, 1, 1_000_000)
        tcp_per = self.ranged(t, "tcp_max_per_address", p, d.tcp_max_per_address, 1, 1_000_000)
        tcp_idle = self.positive(t, "tcp_idle_timeout", p, d.tcp_idle_timeout)
        return SecuritySettings(failures, window, seconds, low, high, default, opens,
                                audit_days, account, account_window, account_delay,
                                max_calls, max_contacts, tcp_max, tcp_per, tcp_idle)

    def extension(self, entry: object, p: str, realm: str) -> Extension:
        if not isinstance(entry, dict):
            raise self.fail(p.rstrip("."), f"expected a table, got {describe(entry)}")
        self.known_keys(entry, p, ("number", "name", "password", "ha1_md5", "ha1_sha256",
                                   "role", "department", "call_waiting", "busy_on_busy"))
        if "number" not in entry:
            raise self.fail(p + "number", "missing")
        number = entry["number"]
        if isinstance(number, int) and not isinstance(number, bool):
            raise self.fail(p + "number", f"write it as a string: \"{number}\"")
        number = self.get(entry, "number", p, str, "")
        if not _NUMBER.fullmatch(number):
            raise self.fail(p + "number", f"{number!r} is not a number of 2-6 digits")
        name = self.get(entry, "name", p, str, number).strip() or number
        role = self.get(entry, "role", p, str, "user")
        if role not in ROLES:
            raise self.fail(p + "role", f"{role!r} is not one of " +
                            ", ".join(f"'{r}'" for r in ROLES))
        department = self.get(entry, "department", p, str, "")
        password, md5, sha256 = self.credentials(entry, p, number, realm)
        return Extension(number, name, password, md5, sha256, role, department,
                         self.get(entry, "call_waiting", p, bool, True),
                         self.get(entry, "busy_on_busy", p, bool, False))

    def credentials(self, entry: dict[str, Any], p: str, number: str,
                    realm: str) -> tuple[str | None, str | None, str | None]:
        hashes = [k for k in ("ha1_md5", "ha1_sha256") if k in entry]
        if "password" in entry:
            if hashes:
                raise self.fail(p + hashes[0], "give either password or ha1_md5/ha1_sha256, "
                                               "not both")
            password = self.get(entry, "password", p, str, "")
            if not password:
                raise self.fail(p + "password", "must not be empty")
            a1 = f"{number}:{realm}:{password}".encode()
            return (password, hashlib.md5(a1).hexdigest(), hashlib.sha256(a1).hexdigest())
        if not hashes:
            raise self.fail(p + "password", "missing: give password, or ha1_md5 and/or "
                                            "ha1_sha256")
        md5 = self.digest(entry, "ha1_md5", p, 32)
        sha256 = self.digest(entry, "ha1_sha256", p, 64)
        return None, md5, sha256

    def digest(self, entry: dict[str, Any], key: str, p: str, length: int) -> str | None:
        if key not in entry:
            return None
        value = self.get(entry, key, p, str, "")
        if len(value) != length or not _HEX.fullmatch(value):
            raise self.fail(p + key, f"expected {length} hex digits, got {len(value)} characters")
        return value.lower()


__all__: list[str] = [
    "ApiSettings", "ConfigError", "Extension", "PbxConfig", "RtpSettings", "SecuritySettings",
    "SipSettings", "load_config", "parse_config",
]
