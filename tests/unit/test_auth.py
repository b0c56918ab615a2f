"""Digest authentication as a SIP phone experiences it: challenged, answers, gets in or not.

The client side is written here from the RFC formulas (RFC 2617 section 3.2.2.1,
RFC 7616 section 3.4.1), independently of the module under test.
"""

from __future__ import annotations

import hashlib
import random
import re

import pytest

from softphone.pbx.features.auth import AuthResult, DigestAuthenticator, parse_digest

REALM = "softphone.local"
URI = "sip:softphone.local"
T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def h(text: str, algorithm: str) -> str:
    return {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[algorithm](text.encode()).hexdigest()


def client_response(algorithm: str, user: str, realm: str, password: str, method: str,
                    uri: str, nonce: str, nc: str | None = None, cnonce: str | None = None,
                    qop: str | None = None) -> str:
    ha1 = h(f"{user}:{realm}:{password}", algorithm)
    ha2 = h(f"{method}:{uri}", algorithm)
    if qop:
        return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}", algorithm)
    return h(f"{ha1}:{nonce}:{ha2}", algorithm)


PASSWORDS = {"101": "demo101", "102": "demo102"}


def lookup(user: str) -> tuple[str | None, str | None] | None:
    if user == "sha-only":
        return None, h(f"sha-only:{REALM}:pw", "SHA-256")
    if user not in PASSWORDS:
        return None
    a1 = f"{user}:{REALM}:{PASSWORDS[user]}"
    return h(a1, "MD5"), h(a1, "SHA-256")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(clock: Clock) -> DigestAuthenticator:
    return DigestAuthenticator(REALM, lookup, b"test-secret", clock)


def challenge_params(auth: DigestAuthenticator, algorithm: str = "SHA-256") -> dict[str, str]:
    for _, value in auth.challenge():
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', value))
        if params["algorithm"] == algorithm:
            return params
    raise AssertionError(f"no {algorithm} challenge")


def credentials(auth: DigestAuthenticator, user: str = "101", password: str = "demo101",
                algorithm: str = "SHA-256", nc: int = 1, method: str = "REGISTER",
                qop: bool = True, params: dict[str, str] | None = None,
                send_algorithm: bool = True) -> tuple[str, dict[str, str]]:
    params = params or challenge_params(auth, algorithm)
    nc_text, cnonce = f"{nc:08x}", "0a4f113b"
    response = client_response(algorithm, user, REALM, password, method, URI, params["nonce"],
                               nc_text, cnonce, "auth" if qop else None)
    value = (f'Digest username="{user}", realm="{REALM}", nonce="{params["nonce"]}", '
             f'uri="{URI}", response="{response}", opaque="{params["opaque"]}"')
    if send_algorithm:
        value += f", algorithm={algorithm}"
    if qop:
        value += f', qop=auth, nc={nc_text}, cnonce="{cnonce}"'
    return value, params


def test_challenge_offers_sha256_first_then_md5(auth: DigestAuthenticator) -> None:
    headers = auth.challenge()
    assert [name for name, _ in headers] == ["WWW-Authenticate", "WWW-Authenticate"]
    sha, md5 = (parse_digest(value) for _, value in headers)
    assert sha is not None and md5 is not None
    assert (sha["algorithm"], md5["algorithm"]) == ("SHA-256", "MD5")
    for params in (sha, md5):
        assert params["realm"] == REALM and params["qop"] == "auth" and params["opaque"]
        assert "stale" not in params
    assert sha["nonce"] == md5["nonce"]
    assert challenge_params(auth)["nonce"] != sha["nonce"]


def test_stale_challenge_and_proxy_header(auth: DigestAuthenticator) -> None:
    headers = auth.challenge(stale=True, header="Proxy-Authenticate")
    assert {name for name, _ in headers} == {"Proxy-Authenticate"}
    assert all(parse_digest(v) is not None and parse_digest(v)["stale"] == "true"  # type: ignore[index]
               for _, v in headers)


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_right_password_is_accepted(auth: DigestAuthenticator, algorithm: str) -> None:
    value, _ = credentials(auth, algorithm=algorithm)
    assert auth.verify("REGISTER", value) == AuthResult(True, "101", claimed="101")


def test_md5_is_assumed_when_algorithm_is_absent(auth: DigestAuthenticator) -> None:
    value, _ = credentials(auth, algorithm="MD5", send_algorithm=False)
    assert auth.verify("REGISTER", value).ok


def test_rfc2069_answers_without_qop_are_refused(auth: DigestAuthenticator) -> None:
    # Without nc such an answer could be replayed until its nonce goes stale.
    value, _ = credentials(auth, algorithm="MD5", qop=False)
    result = auth.verify("REGISTER", value)
    assert (result.ok, result.reason) == (False, "qop=auth required")


def test_a_nonce_is_accepted_only_from_the_address_it_was_sent_to(
        auth: DigestAuthenticator) -> None:
    opaque = challenge_params(auth, "SHA-256")["opaque"]
    value, _ = credentials(auth, params={"nonce": auth.new_nonce("192.0.2.7"),
                                         "opaque": opaque})
    elsewhere = auth.verify("REGISTER", value, "198.51.100.9")
    assert (elsewhere.ok, elsewhere.stale) == (False, True)
    assert auth.verify("REGISTER", value, "192.0.2.7").ok
    wrong, _ = credentials(auth, password="guess",
                           params={"nonce": auth.new_nonce("x"), "opaque": opaque})
    # A wrong password proves the source only with a nonce sent to it.
    assert auth.verify("REGISTER", wrong, "x").proven
    assert not auth.verify("REGISTER", wrong, "y").proven


def test_response_is_bound_to_the_method(auth: DigestAuthenticator) -> None:
    value, _ = credentials(auth, method="REGISTER")
    result = auth.verify("INVITE", value)
    assert not result.ok and result.reason == "invalid credentials"


def test_unknown_user_is_indistinguishable_from_wrong_password(
        auth: DigestAuthenticator) -> None:
    wrong, _ = credentials(auth, user="101", password="guess")
    unknown, _ = credentials(auth, user="999", password="guess")
    sha_only_md5, _ = credentials(auth, user="sha-only", password="pw", algorithm="MD5")
    results = [auth.verify("REGISTER", v) for v in (wrong, unknown, sha_only_md5)]
    assert {(r.ok, r.user, r.stale, r.reason) for r in results} == {
        (False, None, False, "invalid credentials")}


def test_unknown_user_still_computes_a_digest(clock: Clock) -> None:
    looked_up: list[str] = []

    def counting(user: str) -> tuple[str | None, str | None] | None:
        looked_up.append(user)
        return lookup(user)

    auth = DigestAuthenticator(REALM, counting, b"s", clock)
    unknown, _ = credentials(auth, user="999")
    assert auth.verify("REGISTER", unknown).reason == "invalid credentials"
    assert looked_up == ["999"]


def test_expired_nonce_with_right_password_is_stale(auth: DigestAuthenticator,
                                                    clock: Clock) -> None:
    value, _ = credentials(auth)
    wrong, _ = credentials(auth, password="guess")
    clock.now += 301
    assert auth.verify("REGISTER", value) == AuthResult(
        False, None, stale=True, reason="stale nonce", claimed="101")
    # Only someone who knows the password learns that the nonce is stale.
    assert auth.verify("REGISTER", wrong).stale is False


def test_nonce_within_ttl_is_fine(auth: DigestAuthenticator, clock: Clock) -> None:
    value, _ = credentials(auth)
    clock.now += 299
    assert auth.verify("REGISTER", value).ok


def test_forged_nonce_is_not_accepted(auth: DigestAuthenticator) -> None:
    params = challenge_params(auth)
    forged = params["nonce"][:-1] + ("0" if params["nonce"][-1] != "0" else "1")
    value, _ = credentials(auth, params={**params, "nonce": forged})
    result = auth.verify("REGISTER", value)
    assert not result.ok and result.stale
    other_server = DigestAuthenticator(REALM, lookup, b"another-secret", Clock())
    value, _ = credentials(other_server)
    assert not auth.verify("REGISTER", value).ok


def test_nonce_count_must_increase(auth: DigestAuthenticator) -> None:
    first, params = credentials(auth, nc=1)
    assert auth.verify("REGISTER", first).ok
    assert auth.verify("REGISTER", first).reason == "replayed nonce count"
    second, _ = credentials(auth, nc=2, params=params)
    assert auth.verify("REGISTER", second).ok
    assert not auth.verify("REGISTER", first).ok


def test_failed_attempt_does_not_burn_nonce_counts(auth: DigestAuthenticator) -> None:
    attack, params = credentials(auth, password="guess", nc=0xFFFFFFFF)
    assert not auth.verify("REGISTER", attack).ok
    genuine, _ = credentials(auth, nc=1, params=params)
    assert auth.verify("REGISTER", genuine).ok


def test_evicted_nonce_cannot_be_replayed(clock: Clock) -> None:
    auth = DigestAuthenticator(REALM, lookup, b"s", clock, max_tracked=2)
    used = []
    for _ in range(3):
        value, _ = credentials(auth)
        assert auth.verify("REGISTER", value).ok
        used.append(value)
        clock.now += 1
    assert auth.tracked_nonces == 2
    replay = auth.verify("REGISTER", used[0])
    assert not replay.ok and replay.stale
    fresh, _ = credentials(auth)
    assert auth.verify("REGISTER", fresh).ok


def test_expired_nonces_are_forgotten(auth: DigestAuthenticator, clock: Clock) -> None:
    for _ in range(5):
        value, _ = credentials(auth)
        assert auth.verify("REGISTER", value).ok
    assert auth.tracked_nonces == 5
    clock.now += 400
    value, _ = credentials(auth)
    assert auth.verify("REGISTER", value).ok
    assert auth.tracked_nonces == 1


def test_rfc2617_section_3_5_example() -> None:
    realm, password = "testrealm@host.com", "Circle Of Life"
    nonce, cnonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b"
    expected = "6629fae49393a05397450978507c4ef1"
    assert client_response("MD5", "Mufasa", realm, password, "GET", "/dir/index.html", nonce,
                           "00000001", cnonce, "auth") == expected
    ha1 = DigestAuthenticator.ha1("Mufasa", realm, password, "MD5")
    auth = DigestAuthenticator(realm, lambda u: (ha1, None) if u == "Mufasa" else None,
                               b"s", Clock())
    value = (f'Digest username="Mufasa", realm="{realm}", nonce="{nonce}", '
             f'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="{cnonce}", '
             f'response="{expected}"')
    # The RFC's nonce is not one of ours, so the right response comes back as stale (the
    # server computed the same digest); one wrong digit is a plain failure.
    assert auth.verify("GET", value).stale
    tampered = auth.verify("GET", value.replace(expected, "7" + expected[1:]))
    assert (tampered.stale, tampered.reason) == (False, "invalid credentials")


@pytest.mark.parametrize(("algorithm", "expected"), [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_rfc7616_section_3_9_1_example(algorithm: str, expected: str) -> None:
    realm, password = "http-auth@example.org", "Circle of Life"
    nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    assert client_response(algorithm, "Mufasa", realm, password, "GET", "/dir/index.html",
                           nonce, "00000001", cnonce, "auth") == expected
    md5 = DigestAuthenticator.ha1("Mufasa", realm, password, "MD5")
    sha = DigestAuthenticator.ha1("Mufasa", realm, password, "sha-256")
    auth = DigestAuthenticator(realm, lambda u: (md5, sha), b"s", Clock())
    value = (f'Digest username="Mufasa", realm="{realm}", uri="/dir/index.html", '
             f'algorithm={algorithm}, nonce="{nonce}", nc=00000001, cnonce="{cnonce}", '
             f'qop=auth, response="{expected}"')
    assert auth.verify("GET", value).stale


def test_ha1_rejects_unknown_algorithms() -> None:
    assert DigestAuthenticator.ha1("a", "b", "c", "MD5") == hashlib.md5(b"a:b:c").hexdigest()
    with pytest.raises(ValueError, match="SHA-512"):
        DigestAuthenticator.ha1("a", "b", "c", "SHA-512")


def test_quoted_string_escapes_are_unescaped() -> None:
    assert parse_digest('Digest username="a\\"b", realm = "r" ,nc=00000001') == {
        "username": 'a"b', "realm": "r", "nc": "00000001"}


MALFORMED = [
    "", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Digest", "Digestusername=\"101\"",
    'Digest username="101', 'Digest username=="101"', "Digest ,,, =", 'Digest "x"="y"',
    'Digest username="101" realm="r"', 'Digest username="101", username="102"',
    "Digest username=\"101\\", "Digest username=", "Digest x=\u00e4\u00f6",
    "Digest " + "a=b, " * 2000,
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_headers_fail_without_raising(auth: DigestAuthenticator, value: str) -> None:
    result = auth.verify("REGISTER", value)
    assert not result.ok and result.user is None and result.reason


@pytest.mark.parametrize(("change", "reason"), [
    (("response=\"", 'response="zz'), "malformed response"),
    (("algorithm=SHA-256", "algorithm=SHA-512-256"), "unsupported algorithm"),
    (("qop=auth", "qop=auth-int"), "unsupported qop"),
    (("nc=00000001", "nc=1"), "malformed nc or cnonce"),
    ((f'realm="{REALM}"', 'realm="elsewhere"'), "wrong realm"),
    (('opaque="', 'opaque="x'), "wrong opaque"),
    (('username="101", ', ""), "missing username"),
])
def test_bad_parameters_are_named(auth: DigestAuthenticator, change: tuple[str, str],
                                  reason: str) -> None:
    value, _ = credentials(auth)
    assert change[0] in value
    assert auth.verify("REGISTER", value.replace(*change, 1)).reason == reason


def test_mutated_headers_never_raise(auth: DigestAuthenticator) -> None:
    value, _ = credentials(auth)
    rng = random.Random(4475)
    alphabet = '"\\,= \t\x00\u00e4\ud800abc0'
    for _ in range(3000):
        chars = list(value)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[pos]
            else:
                chars.insert(pos, rng.choice(alphabet))
        result = auth.verify("REGISTER", "".join(chars))
        assert isinstance(result, AuthResult)
        assert result.ok is (result.user is not None)


def test_challenge_order_follows_configuration() -> None:
    auth = DigestAuthenticator("r", lambda user: None, b"k" * 32, lambda: 1000.0,
                               algorithms=("MD5", "SHA-256"))
    assert [v.split("algorithm=")[1].split(",")[0] for _, v in auth.challenge()] == [
        "MD5", "SHA-256"]
