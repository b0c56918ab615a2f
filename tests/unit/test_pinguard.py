"""Wrong conference PINs across calls: the tenth within ten minutes shuts the calling
number out for fifteen minutes, logged without a PIN; nobody else is shut out, old
failures expire, and the tables stay bounded."""

from __future__ import annotations

import logging

import pytest

from softphone.pbx.features.pinguard import PinGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_wrong_pins_shut_the_number_out_for_fifteen_minutes(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    guard = PinGuard(clock)
    for _ in range(9):
        guard.wrong("102", "192.0.2.7")
        clock.now += 60                      # nine in nine minutes: still allowed
    assert not guard.blocked("102")
    with caplog.at_level(logging.WARNING):
        guard.wrong("102", "192.0.2.7")      # the tenth within ten minutes
    assert guard.blocked("102")
    assert not guard.blocked("101")          # colleagues at the same address call on
    events = [r.__dict__.get("event") for r in caplog.records]
    assert events == ["conference_pin_lockout", "conference_pin_guessing"]
    clock.now += 899
    assert guard.blocked("102")
    clock.now += 2
    assert not guard.blocked("102")


def test_failures_older_than_ten_minutes_do_not_count() -> None:
    clock = Clock()
    guard = PinGuard(clock)
    for _ in range(20):
        guard.wrong("102", "192.0.2.7")
        clock.now += 70                      # never ten within 600 s
    assert not guard.blocked("102")


def test_the_tables_are_bounded() -> None:
    clock = Clock()
    guard = PinGuard(clock, limit=2, max_keys=50)
    for n in range(1000):
        guard.wrong(str(n), f"198.51.100.{n % 250}")
        guard.wrong(str(n), f"198.51.100.{n % 250}")
    assert guard.numbers.tracked <= 50 and len(guard.numbers.banned()) <= 50
    assert guard.addresses.tracked <= 50
    assert guard.blocked("999") and not guard.blocked("0")   # the oldest went first
