"""Video link tokens: one door, one user, one minute, and a key of their own."""

from __future__ import annotations

import base64
import json

import pytest

from softphone.pbx.api.auth import TokenError, TokenSigner, derive_token_key
from softphone.pbx.api.videotoken import VIDEO_TTL, VideoTokens, derive_video_key
from tests.helpers.fakeclock import FakeClock

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_700_000_000.0)


@pytest.fixture
def tokens(clock: FakeClock) -> VideoTokens:
    return VideoTokens(derive_video_key(SECRET), clock.now)


def code_of(tokens: VideoTokens, token: str, door: str = "150") -> str:
    with pytest.raises(TokenError) as err:
        tokens.verify(token, door)
    assert err.value.message
    return err.value.code


def test_a_fresh_token_names_door_user_and_expiry(tokens: VideoTokens, clock: FakeClock) -> None:
    token, claims = tokens.issue("150", "101")
    assert VIDEO_TTL == 60
    assert claims.expires_at == clock.now() + 60
    verified = tokens.verify(token, "150")
    assert (verified.door, verified.user, verified.expires_at) == ("150", "101", clock.now() + 60)
    # URL-safe as it is: it goes into ?token= unquoted.
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_valid_until_the_last_millisecond_then_expired(tokens: VideoTokens,
                                                       clock: FakeClock) -> None:
    token, _ = tokens.issue("150", "101")
    clock.advance(59.999)
    tokens.verify(token, "150")
    clock.advance(0.001)
    assert code_of(tokens, token) == "token_expired"


def test_a_token_for_one_door_does_not_open_another(tokens: VideoTokens) -> None:
    token, _ = tokens.issue("150", "101")
    assert code_of(tokens, token, "151") == "invalid_token"
    # Even once expired it is "invalid" for the other door, not "expired".
    tokens_later = VideoTokens(derive_video_key(SECRET), lambda: 2e9)
    assert code_of(tokens_later, token, "151") == "invalid_token"
    assert code_of(tokens_later, token, "150") == "token_expired"


def test_tampered_tokens_are_invalid(tokens: VideoTokens) -> None:
    token, _ = tokens.issue("150", "101")
    head, _, mac = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    payload["d"] = "151"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert code_of(tokens, f"{forged}.{mac}", "151") == "invalid_token"
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    assert code_of(tokens, f"{head}.{flipped}") == "invalid_token"
    for junk in ("", "abc", ".", "a.b", "!!!.???", "ä.ö", token + "x" * 600):
        assert code_of(tokens, junk) == "invalid_token"


def test_other_keys_do_not_verify(tokens: VideoTokens, clock: FakeClock) -> None:
    token, _ = tokens.issue("150", "101")
    other_daemon = VideoTokens(derive_video_key(b"another daemon's secret, 32 bytes"), clock.now)
    assert code_of(other_daemon, token) == "invalid_token"
    # Keyed apart from the hour-long API tokens: neither passes for the other.
    api = TokenSigner(derive_token_key(SECRET), 3600, clock.now)
    assert derive_token_key(SECRET) != derive_video_key(SECRET)
    api_token, _ = api.issue("101", "user")
    assert code_of(tokens, api_token) == "invalid_token"
    with pytest.raises(TokenError):
        api.verify(token)


def test_bad_parameters_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        VideoTokens(b"short", clock.now)
    with pytest.raises(ValueError, match="ttl"):
        VideoTokens(derive_video_key(SECRET), clock.now, ttl=0)
