"""RFC 4028 header logic of softphone/pbx/features/sessiontimer.py: 422 below Min-SE, the
interval and refresher answered to the caller and offered to the callee, and expiry."""

from __future__ import annotations

from typing import cast

import pytest

from softphone.pbx.features.sessiontimer import (
    CallTimer,
    SessionTimers,
    parse_session_expires,
)
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.parser import parse_message


def invite(*headers: str, method: str = "INVITE") -> Request:
    lines = [f"{method} sip:101@127.0.0.1 SIP/2.0",
             "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1",
             "From: <sip:100@127.0.0.1>;tag=a", "To: <sip:101@127.0.0.1>",
             "Call-ID: st-1", f"CSeq: 1 {method}", "Max-Forwards: 70", *headers,
             "Content-Length: 0"]
    return cast(Request, parse_message(("\r\n".join(lines) + "\r\n\r\n").encode()))


def ok(*headers: str) -> Response:
    lines = ["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-2",
             "From: <sip:100@127.0.0.1>;tag=p", "To: <sip:101@127.0.0.1>;tag=b",
             "Call-ID: st-2", "CSeq: 1 INVITE", *headers, "Content-Length: 0"]
    return cast(Response, parse_message(("\r\n".join(lines) + "\r\n\r\n").encode()))


class Now:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def timers(now: Now) -> SessionTimers:
    return SessionTimers(session_expires=1800, min_se=90, now=now)


@pytest.mark.parametrize(("value", "parsed"), [
    ("1800", (1800, None)), ("1800;refresher=uac", (1800, "uac")),
    ("90 ; refresher = UAS", (90, "uas")), ("1800;refresher=me", (1800, None)),
    ("", None), (None, None), ("soon", None), ("9" * 4400, None), ("١٢٠", None),
])
def test_parse_session_expires(value: str | None, parsed: object) -> None:
    assert parse_session_expires(value) == parsed


def test_below_min_se_gets_422_headers(timers: SessionTimers) -> None:
    assert timers.too_small(invite("Supported: timer", "Session-Expires: 30")) == [
        ("Min-SE", "90"), ("Supported", "timer")]
    assert timers.too_small(invite("Supported: timer", "Session-Expires: 90")) is None
    assert timers.too_small(invite("Supported: timer")) is None
    off = SessionTimers(session_expires=0, min_se=90, now=Now())
    assert off.too_small(invite("Supported: timer", "Session-Expires: 30")) is None


def test_too_small_without_timer_support_is_raised_not_refused(
        timers: SessionTimers) -> None:
    """A caller without "timer" could not retry after a 422: Min-SE is used instead
    (RFC 4028 section 8.1, erratum 1687 for the UAS)."""
    request = invite("Session-Expires: 30")
    assert timers.too_small(request) is None
    timer = timers.for_caller(request)
    assert timer.answer_headers == [("Session-Expires", "90;refresher=uas")]
    assert timer.interval == {} and timer.pbx_refreshes == {"a": 90}


def test_caller_supporting_timer_refreshes_at_the_smaller_interval(
        timers: SessionTimers) -> None:
    timer = timers.for_caller(invite("Supported: timer, replaces", "Session-Expires: 600"))
    assert timer.answer_headers == [("Session-Expires", "600;refresher=uac"),
                                    ("Require", "timer")]
    assert timer.interval == {"a": 600}
    longer = timers.for_caller(invite("Supported: timer", "x: 7200"))
    assert longer.answer_headers[0] == ("Session-Expires", "1800;refresher=uac")


def test_caller_without_timer_support_is_not_timed(timers: SessionTimers) -> None:
    timer = timers.for_caller(invite("Supported: replaces"))
    assert timer.answer_headers == [] and timer.interval == {}


def test_caller_naming_the_pbx_refresher_gets_updates(timers: SessionTimers,
                                                      now: Now) -> None:
    """The PBX echoes the caller's choice (section 9), expects no refresh from it and
    sends an UPDATE at half the interval itself (section 10)."""
    timer = timers.for_caller(invite("Supported: timer", "Session-Expires: 900;refresher=uas"))
    assert timer.answer_headers[0] == ("Session-Expires", "900;refresher=uas")
    assert timer.interval == {} and timer.pbx_refreshes == {"a": 900}
    timers.started(timer)
    sent: list[tuple[str, list[tuple[str, str]]]] = []
    calls = [("c1", timer, lambda reason: pytest.fail(reason),
              lambda side, headers: sent.append((side, headers)))]
    now.t += 449
    timers.check(calls)
    assert sent == []
    now.t += 1
    timers.check(calls)
    timers.check(calls)
    assert sent == [("a", [("Supported", "timer"), ("Session-Expires", "900;refresher=uac")])]


def test_callee_is_offered_the_refresher_role(timers: SessionTimers) -> None:
    assert ("Session-Expires", "1800;refresher=uas") in timers.offer_headers()
    timer = CallTimer()
    timers.callee_answered(timer, ok("Session-Expires: 1800;refresher=uac"))
    assert timer.interval == {} and timer.pbx_refreshes == {"b": 1800}
    timer = CallTimer()
    timers.callee_answered(timer, ok("Session-Expires: 1200;refresher=uas"))
    assert timer.interval == {"b": 1200} and timer.pbx_refreshes == {}
    timers.forget(timer, "b")         # a transfer put another peer on the leg
    assert timer.interval == {}


def test_session_expires_without_refresh_and_not_after_one(
        timers: SessionTimers, now: Now) -> None:
    timer = timers.for_caller(invite("Supported: timer", "Session-Expires: 120"))
    timers.started(timer)
    now.t += 100
    timers.refreshed(timer, "a", invite(method="UPDATE"))
    now.t += 100
    assert timers.expired(timer) is None
    timers.refreshed(timer, "a", invite(method="INFO"))   # not a refresh
    now.t += 20
    assert timers.expired(timer) == (
        "session timer expired: no refresh from the caller in 120 s")
    ended: list[str] = []
    timers.check([("c1", timer, ended.append, lambda side, headers: None)])
    assert ended == ["session timer expired: no refresh from the caller in 120 s"]


def test_refresh_answer_keeps_interval(timers: SessionTimers) -> None:
    timer = timers.for_caller(invite("Supported: timer", "Session-Expires: 300"))
    assert timers.refresh_headers(timer, "a", invite("Supported: timer")) == [
        ("Session-Expires", "300;refresher=uac"), ("Require", "timer")]
    assert timers.refresh_headers(timer, "b", invite()) == []
