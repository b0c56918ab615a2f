"""The door code matcher of the door station simulator (softphone.doorsim.dtmf), and the
words its call events use (softphone.doorsim.sipcall)."""

from __future__ import annotations

import pytest

from softphone.doorsim.dtmf import CodeMatcher, Outcome, check_code
from softphone.doorsim.sipcall import asserted_number, end_reason


def keys(matcher: CodeMatcher, typed: str, start: float = 0.0, gap: float = 0.3) -> list[Outcome]:
    return [matcher.feed(k, start + i * gap) for i, k in enumerate(typed)]


def test_right_code_opens_once() -> None:
    m = CodeMatcher("*1")
    assert keys(m, "*1") == [Outcome.PENDING, Outcome.OPEN]
    assert keys(m, "1", start=1.0) == [Outcome.PENDING]   # nothing left over


def test_wrong_code_is_wrong_and_does_not_open() -> None:
    m = CodeMatcher("*1")
    assert keys(m, "*2") == [Outcome.PENDING, Outcome.WRONG]
    assert keys(m, "12", start=1.0) == [Outcome.PENDING, Outcome.WRONG]


@pytest.mark.parametrize("typed", ["5*1", "**1", "1*1", "#5*1"])
def test_code_at_the_end_of_longer_input_opens(typed: str) -> None:
    outcomes = keys(CodeMatcher("*1"), typed)
    assert outcomes[-1] is Outcome.OPEN
    assert Outcome.OPEN not in outcomes[:-1]


def test_longer_code_with_repeated_start() -> None:
    m = CodeMatcher("1213")
    assert keys(m, "121213")[-1] is Outcome.OPEN


def test_pause_resets_the_keys() -> None:
    m = CodeMatcher("*1", reset_after=3.0)
    assert m.feed("*", 0.0) is Outcome.PENDING
    assert m.feed("1", 3.5) is Outcome.PENDING     # "*" was forgotten: "1" alone
    assert m.feed("*", 3.6) is Outcome.PENDING
    assert m.expire(5.0) == ""                       # 1.4 s: still within the pause
    assert m.expire(6.7) == "1*"                     # dropped after the pause
    assert m.feed("1", 6.8) is Outcome.PENDING       # so this "1" does not open


def test_keys_just_within_the_pause_still_count() -> None:
    m = CodeMatcher("*1", reset_after=3.0)
    assert m.feed("*", 0.0) is Outcome.PENDING
    assert m.feed("1", 2.9) is Outcome.OPEN


def test_letters_are_case_insensitive() -> None:
    assert keys(CodeMatcher("a#"), "A#")[-1] is Outcome.OPEN


@pytest.mark.parametrize("code", ["", "12x", "*" * 17, "1 2"])
def test_unusable_codes_are_refused_clearly(code: str) -> None:
    with pytest.raises(ValueError, match="use 1-16 of the keys"):
        check_code(code)


@pytest.mark.parametrize(("code", "answered", "ours", "reason"), [
    (200, True, "", "hung up"), (486, False, "", "busy"), (600, False, "", "busy"),
    (603, False, "", "rejected"), (480, False, "", "no answer"),
    (487, False, "no answer", "no answer"), (404, False, "", "not found"),
    (500, False, "", "failed"), (200, True, "door shut down", "door shut down")])
def test_end_reasons(code: int, answered: bool, ours: str, reason: str) -> None:
    assert end_reason(code, answered, ours) == reason


def test_answerer_from_p_asserted_identity() -> None:
    ok = ("SIP/2.0 200 OK\r\nTo: <sip:210@pbx>;tag=1\r\n"
          'P-Asserted-Identity: "Vertrieb" <sip:101@pbx>\r\nContent-Length: 0\r\n\r\n')
    assert asserted_number(ok) == "101"
    assert asserted_number("SIP/2.0 200 OK\r\nTo: <sip:210@pbx>\r\n\r\n") == ""
