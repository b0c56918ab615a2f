"""Client API sign-in: HA1 password checks and stateless signed tokens."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from softphone.pbx.api.auth import (
    PasswordChecker,
    TokenError,
    TokenSigner,
    derive_token_key,
)
from softphone.pbx.config import Extension

KEY = derive_token_key(b"s" * 32)
REALM = "softphone.local"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ext(number: str, password: str, md5: bool = True, sha: bool = True) -> Extension:
    a1 = f"{number}:{REALM}:{password}".encode()
    return Extension(number, "Name", None, hashlib.md5(a1).hexdigest() if md5 else None,
                     hashlib.sha256(a1).hexdigest() if sha else None, "user")


def test_derived_key_is_not_the_secret_and_is_stable() -> None:
    assert derive_token_key(b"s" * 32) == KEY
    assert KEY != b"s" * 32 and len(KEY) == 32
    assert derive_token_key(b"t" * 32) != KEY


def test_token_round_trip_carries_user_role_and_expiry() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, 3600, clock)
    token, claims = signer.issue("101", "admin")
    assert (claims.user, claims.role, claims.expires_at) == ("101", "admin", clock.now + 3600)
    assert signer.verify(token) == claims
    assert signer.expires_in(claims) == 3600


def test_token_expires_at_its_expiry() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, 60, clock)
    token, _ = signer.issue("101", "user")
    clock.now += 59.9
    signer.verify(token)
    clock.now += 0.1
    with pytest.raises(TokenError) as info:
        signer.verify(token)
    assert info.value.code == "token_expired"


def test_token_from_another_key_is_invalid() -> None:
    token, _ = TokenSigner(derive_token_key(b"x" * 32), 60, Clock()).issue("101", "user")
    with pytest.raises(TokenError) as info:
        TokenSigner(KEY, 60, Clock()).verify(token)
    assert info.value.code == "invalid_token"


def test_edited_payload_is_invalid() -> None:
    signer = TokenSigner(KEY, 60, Clock())
    token, _ = signer.issue("101", "user")
    head, tail = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    payload["r"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError) as info:
        signer.verify(f"{forged}.{tail}")
    assert info.value.code == "invalid_token"


@pytest.mark.parametrize("token", ["", ".", "abc", "a.b", "!!!.???", "x" * 2000 + ".y",
                                   "e30.e30", "ä.ö"])
def test_garbage_tokens_are_invalid(token: str) -> None:
    with pytest.raises(TokenError) as info:
        TokenSigner(KEY, 60, Clock()).verify(token)
    assert info.value.code == "invalid_token"


def test_signer_refuses_weak_keys() -> None:
    with pytest.raises(ValueError):
        TokenSigner(b"short", 60, Clock())
    with pytest.raises(ValueError):
        TokenSigner(KEY, 0, Clock())


@pytest.mark.parametrize(("md5", "sha"), [(True, True), (True, False), (False, True)])
def test_password_checked_against_stored_ha1(md5: bool, sha: bool) -> None:
    e = ext("101", "secret", md5, sha)
    checker = PasswordChecker(REALM, {"101": e}.get)
    assert checker.check("101", "secret") is e
    assert checker.check("101", "Secret") is None
    assert checker.check("101", "") is None


def test_unknown_user_is_refused() -> None:
    checker = PasswordChecker(REALM, {"101": ext("101", "secret")}.get)
    assert checker.check("999", "secret") is None


def test_realm_is_part_of_the_ha1() -> None:
    checker = PasswordChecker("other.realm", {"101": ext("101", "secret")}.get)
    assert checker.check("101", "secret") is None
