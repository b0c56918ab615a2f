"""HTTP Digest authentication for SIP requests (RFC 3261 section 22, RFC 2617, RFC 7616,
RFC 8760 for SHA-256).

Nonces are stateless: a timestamp and a random salt signed with HMAC(secret) over them and
the address the challenge was sent to, so issuing one costs no table entry and a flood of
unanswered challenges costs no memory. Only nonces that were used successfully are
remembered, to refuse a replayed nonce-count.

qop=auth is required (RFC 7616 section 3.4: nc must increase with each use of a nonce),
so a captured request cannot be replayed; RFC 2069 answers without qop are refused. A
nonce is accepted only from the address it was sent to: a request carrying one proves
that its sender receives at its source address (AuthResult.proven), which a forged UDP
source cannot, so only such failures count towards bans (features/authgate.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

_ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_HEX_LEN = {"MD5": 32, "SHA-256": 64}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NC = re.compile(r"[0-9a-fA-F]{8}")
_NONCE = re.compile(r"[0-9a-f]{60}")
_HEX = re.compile(r"[0-9a-f]+")
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)


def _digest_regexes(qstring: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(whole list, one param) for quoted-string contents matching ``qstring``.

    auth-param = token "=" ( token / quoted-string ), BWS around "=" (RFC 7616 section 3.4);
    params are separated by commas, and empty list elements are allowed (RFC 7230 7).
    """
    param = rf'{_TOKEN.pattern}[ \t]*=[ \t]*(?:"{qstring}"|{_TOKEN.pattern})[ \t]*'
    return (re.compile(rf"[ \t,]*(?:{param}(?:,[ \t,]*{param})*(?:,[ \t,]*)?)?", re.S),
            re.compile(rf'({_TOKEN.pattern})[ \t]*=[ \t]*(?:"({qstring})"|({_TOKEN.pattern}))',
                       re.S))


# Quoted strings with quoted-pairs, in the unrolled form (a run per repeat, not an
# alternation per character: 4 times faster); and without any backslash, where [^"]* is
# what they come down to and sre scans that 5 times faster again than [^"\\]*.
_ESCAPED = _digest_regexes(r'[^"\\]*(?:\\.[^"\\]*)*')
_PLAIN = _digest_regexes(r'[^"]*')
_MAX_HEADER = 8192
# A nonce from up to this far in the future is accepted: the clock may step backwards.
_CLOCK_SKEW = 60.0
FAILED = "invalid credentials"
Lookup = Callable[[str], "tuple[str | None, str | None] | None"]


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    user: str | None  # the authenticated user; None unless ok
    stale: bool = False  # credentials right, nonce too old: challenge again with stale=true
    reason: str = ""
    # The username the request claimed, unauthenticated: for logs only.
    claimed: str = ""
    # The algorithm of the accepted credentials (features/digestpolicy.py remembers it).
    algorithm: str = field(default="", compare=False)
    # The request carried a fresh nonce of ours issued to its source address: the sender
    # receives there (a completed round trip), so the source is not forged.
    proven: bool = field(default=False, compare=False)


def parse_digest(value: str) -> dict[str, str] | None:
    """Auth-params of a ``Digest`` credentials value (RFC 7616 section 3.4), or None.

    Names are lower-cased; quoted-string values are unescaped (RFC 3261 section 25.1).
    A parameter given twice makes the value malformed (RFC 7616 section 3.4: each at most once).
    """
    text = value.strip()
    scheme = _TOKEN.match(text)
    if scheme is None or scheme.group().lower() != "digest":
        return None
    rest = text[scheme.end():]
    if rest and rest[0] not in " \t":
        return None
    # Validated by one regex and split by another (C loops): the character loop this
    # replaces was 6 % of the PBX's REGISTER CPU (py-spy), one match per param still 22 us.
    whole, param = _ESCAPED if "\\" in rest else _PLAIN
    if not whole.fullmatch(rest):
        return None
    params: dict[str, str] = {}
    for name, quoted, token in param.findall(rest):
        key = name.lower()
        if key in params:
            return None
        if quoted or not token:  # a quoted-string, possibly empty
            params[key] = _QUOTED_PAIR.sub(r"\1", quoted) if "\\" in quoted else quoted
        else:
            params[key] = token
    return params


class DigestAuthenticator:
    def __init__(self, realm: str, lookup: Lookup, secret: bytes,
                 clock: Callable[[], float], nonce_ttl: float = 300.0,
                 max_tracked: int = 50_000,
                 algorithms: tuple[str, ...] = ("SHA-256", "MD5")) -> None:
        """``lookup(user)`` gives ``(ha1_md5, ha1_sha256)``, or None for an unknown user."""
        self.realm = realm
        self.algorithms = algorithms
        self._lookup = lookup
        self._secret = secret
        self._clock = clock
        self._ttl = nonce_ttl
        self._max_tracked = max_tracked
        # nonce -> (issued at, highest nc seen), in order of first successful use.
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        # Newest issue time of any nonce evicted from _seen. An untracked nonce issued at or
        # before it may have been used already, so it is answered as stale rather than
        # trusted: eviction costs a round trip, never a replay.
        self._floor = float("-inf")
        self._opaque = self._mac(b"opaque")[:32]
        self._dummy = {alg: self._mac(b"dummy-ha1:" + alg.encode())[:_HEX_LEN[alg]]
                       for alg in _ALGORITHMS}

    @staticmethod
    def ha1(user: str, realm: str, password: str, algorithm: str = "MD5") -> str:
        """H(user:realm:password) (RFC 2617 section 3.2.2.2, RFC 7616 section 3.4.2)."""
        digest = _ALGORITHMS.get(algorithm.upper())
        if digest is None:
            raise ValueError(f"unsupported digest algorithm {algorithm!r}")
        return digest(f"{user}:{realm}:{password}".encode()).hexdigest()

    def _mac(self, data: bytes) -> str:
        # hmac.digest is the one-shot C path; hmac.new builds a Python HMAC object per call.
        return hmac.digest(self._secret, data, "sha256").hex()

    def new_nonce(self, source: str = "") -> str:
        """12 hex digits of issue time in ms, 16 of salt, 32 of HMAC over both and the
        ``source`` address the nonce is sent to."""
        body = f"{int(self._clock() * 1000):012x}{os.urandom(8).hex()}"
        return body + self._mac(f"{body}|{source}".encode())[:32]

    def _nonce_issued(self, nonce: str, source: str) -> float | None:
        """When our nonce was issued to ``source``, or None if it is not one of ours or
        was sent elsewhere."""
        if not _NONCE.fullmatch(nonce):
            return None
        if not hmac.compare_digest(self._mac(f"{nonce[:28]}|{source}".encode())[:32],
                                   nonce[28:]):
            return None
        return int(nonce[:12], 16) / 1000

    def challenge(self, stale: bool = False, header: str = "WWW-Authenticate",
                  algorithms: tuple[str, ...] | None = None,
                  source: str = "") -> list[tuple[str, str]]:
        """Challenge headers for a 401 (or a 407 with ``header="Proxy-Authenticate"``).

        In ``algorithms`` order, SHA-256 first by default: RFC 8760 section 2.4 has the
        client use the first algorithm it supports, in the server's order of preference.
        They share one nonce. ``algorithms`` overrides the set for one phone
        (features/digestpolicy.py). ``source`` is the address the challenge goes to.
        """
        nonce = self.new_nonce(source)
        tail = ", stale=true" if stale else ""
        return [(header, f'Digest realm="{self.realm}", nonce="{nonce}", '
                         f'opaque="{self._opaque}", algorithm={alg}, qop="auth"{tail}')
                for alg in algorithms or self.algorithms]

    def verify(self, method: str, header_value: str, source: str = "") -> AuthResult:
        """Check an Authorization (or Proxy-Authorization) header value sent from the
        ``source`` address; never raises."""
        if not isinstance(header_value, str) or len(header_value) > _MAX_HEADER:
            return AuthResult(False, None, reason="malformed credentials")
        params = parse_digest(header_value)
        if params is None:
            return AuthResult(False, None, reason="malformed credentials")
        for name in ("username", "realm", "nonce", "uri", "response"):
            if name not in params:
                return AuthResult(False, None, reason=f"missing {name}")
        user = params["username"]
        if params["realm"] != self.realm:
            return AuthResult(False, None, reason="wrong realm", claimed=user)
        algorithm = params.get("algorithm", "MD5").upper()  # MD5 when absent (RFC 2617 3.2.1)
        if algorithm not in _ALGORITHMS:
            return AuthResult(False, None, reason="unsupported algorithm", claimed=user)
        qop = params.get("qop")
        if qop is None:
            # RFC 2069 answers have no nonce count: replayable while the nonce lives.
            return AuthResult(False, None, reason="qop=auth required", claimed=user)
        if qop.lower() != "auth":
            return AuthResult(False, None, reason="unsupported qop", claimed=user)
        if not (_NC.fullmatch(params.get("nc", "")) and params.get("cnonce")):
            return AuthResult(False, None, reason="malformed nc or cnonce", claimed=user)
        response = params["response"].lower()
        if len(response) != _HEX_LEN[algorithm] or not _HEX.fullmatch(response):
            return AuthResult(False, None, reason="malformed response", claimed=user)
        if "opaque" in params and params["opaque"] != self._opaque:
            return AuthResult(False, None, reason="wrong opaque", claimed=user)

        now = self._clock()
        nonce = params["nonce"]
        issued = self._nonce_issued(nonce, source)
        fresh = issued is not None and -_CLOCK_SKEW <= now - issued <= self._ttl
        # Unknown users and users without a hash for this algorithm are checked against a
        # dummy HA1, so they take the same path, time and answer as a wrong password.
        hashes = self._lookup(user)
        ha1 = None if hashes is None else hashes[0 if algorithm == "MD5" else 1]
        known = ha1 is not None
        expected = self._response(algorithm, ha1 or self._dummy[algorithm], method, params)
        if not (hmac.compare_digest(expected, response) and known):
            return AuthResult(False, None, reason=FAILED, claimed=user, proven=fresh)

        self._prune(now)
        if issued is None or not fresh:
            return AuthResult(False, None, stale=True, reason="stale nonce", claimed=user)
        nc = int(params["nc"], 16)
        seen = self._seen.get(nonce)
        if seen is None and issued <= self._floor:
            return AuthResult(False, None, stale=True, reason="stale nonce", claimed=user)
        if seen is not None and nc <= seen[1]:
            # RFC 7616 section 3.4: nc increases with every request under one nonce.
            return AuthResult(False, None, reason="replayed nonce count", claimed=user)
        self._remember(nonce, issued, nc)
        return AuthResult(True, user, claimed=user, algorithm=algorithm, proven=True)

    def _response(self, algorithm: str, ha1: str, method: str, p: dict[str, str]) -> str:
        """request-digest of RFC 2617 section 3.2.2.1 (RFC 7616 section 3.4.1)."""
        def h(text: str) -> str:
            # surrogatepass: a header decoded with surrogateescape must not raise here.
            return _ALGORITHMS[algorithm](text.encode("utf-8", "surrogatepass")).hexdigest()

        ha2 = h(f"{method}:{p['uri']}")
        return h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}")

    def _remember(self, nonce: str, issued: float, nc: int) -> None:
        self._seen[nonce] = (issued, nc)
        self._seen.move_to_end(nonce)
        while len(self._seen) > self._max_tracked:
            _, (evicted, _) = self._seen.popitem(last=False)
            self._floor = max(self._floor, evicted)

    def _prune(self, now: float) -> None:
        # Entries of expired nonces protect nothing: such nonces are refused as stale anyway.
        while self._seen:
            issued = next(iter(self._seen.values()))[0]
            if now - issued <= self._ttl:
                break
            self._seen.popitem(last=False)

    @property
    def tracked_nonces(self) -> int:
        return len(self._seen)
