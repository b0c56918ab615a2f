"""Ban list: bursts of failed authentications ban the source for a while."""

from __future__ import annotations

import pytest

from softphone.pbx.features.ban import BanList
from tests.helpers.fakeclock import FakeClock

SCANNER = "203.0.113.7"
OFFICE = "198.51.100.20"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def bans() -> list[str]:
    return []


@pytest.fixture
def banlist(clock: FakeClock, bans: list[str]) -> BanList:
    return BanList(failures=16, window=2.0, ban_seconds=300.0, clock=clock.now, on_ban=bans.append)


def fail(banlist: BanList, clock: FakeClock, ip: str, count: int, spacing: float) -> list[bool]:
    results = []
    for _ in range(count):
        results.append(banlist.failed(ip))
        clock.advance(spacing)
    return results


def test_sixteen_failures_in_two_seconds_ban(banlist: BanList, clock: FakeClock,
                                            bans: list[str]) -> None:
    results = fail(banlist, clock, SCANNER, 16, 0.1)
    assert results == [False] * 15 + [True]
    assert banlist.is_banned(SCANNER)
    assert bans == [SCANNER]
    assert not banlist.is_banned(OFFICE)


def test_fifteen_failures_do_not_ban(banlist: BanList, clock: FakeClock, bans: list[str]) -> None:
    fail(banlist, clock, SCANNER, 15, 0.01)
    assert not banlist.is_banned(SCANNER) and bans == []


def test_sixteen_failures_spread_over_ten_seconds_do_not_ban(
        banlist: BanList, clock: FakeClock, bans: list[str]) -> None:
    assert not any(fail(banlist, clock, OFFICE, 16, 10 / 16))
    assert not banlist.is_banned(OFFICE) and bans == []


def test_a_slow_phone_is_never_banned(banlist: BanList, clock: FakeClock) -> None:
    assert not any(fail(banlist, clock, OFFICE, 1000, 0.5))
    assert not banlist.is_banned(OFFICE)


def test_ban_expires_after_ban_seconds(banlist: BanList, clock: FakeClock, bans: list[str]) -> None:
    fail(banlist, clock, SCANNER, 16, 0.0)
    clock.advance(299.9)
    assert banlist.is_banned(SCANNER)
    clock.advance(0.1)
    assert not banlist.is_banned(SCANNER)
    # After the ban the count starts afresh.
    assert fail(banlist, clock, SCANNER, 15, 0.0) == [False] * 15
    assert bans == [SCANNER]


def test_on_ban_called_once_while_failures_continue(banlist: BanList, clock: FakeClock,
                                                    bans: list[str]) -> None:
    results = fail(banlist, clock, SCANNER, 500, 0.01)
    assert results.count(True) == 1
    assert bans == [SCANNER]
    assert banlist.banned() == {SCANNER: pytest.approx(1000.0 + 15 * 0.01 + 300.0)}


def test_banned_again_after_expiry_calls_on_ban_again(banlist: BanList, clock: FakeClock,
                                                      bans: list[str]) -> None:
    fail(banlist, clock, SCANNER, 16, 0.0)
    clock.advance(301)
    fail(banlist, clock, SCANNER, 16, 0.0)
    assert bans == [SCANNER, SCANNER]


def test_success_resets_the_count(banlist: BanList, clock: FakeClock) -> None:
    fail(banlist, clock, OFFICE, 10, 0.01)
    banlist.succeeded(OFFICE)
    assert not any(fail(banlist, clock, OFFICE, 10, 0.01))
    assert not banlist.is_banned(OFFICE)


def test_success_does_not_lift_a_ban(banlist: BanList, clock: FakeClock) -> None:
    fail(banlist, clock, SCANNER, 16, 0.0)
    banlist.succeeded(SCANNER)
    assert banlist.is_banned(SCANNER)


def test_addresses_are_counted_separately(banlist: BanList, clock: FakeClock) -> None:
    for _ in range(15):
        banlist.failed(SCANNER)
        banlist.failed(OFFICE)
    assert not banlist.is_banned(SCANNER) and not banlist.is_banned(OFFICE)
    assert banlist.failed(SCANNER)
    assert not banlist.is_banned(OFFICE)


def test_memory_stays_bounded_under_a_spray_of_addresses(clock: FakeClock) -> None:
    banlist = BanList(3, 2.0, 300.0, clock.now, max_tracked=100, max_banned=50)
    for i in range(10_000):
        banlist.failed(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert banlist.tracked == 100
    for i in range(200):
        for _ in range(3):
            banlist.failed(f"192.0.2.{i}")
    assert len(banlist.banned()) == 50
    # The newest bans are the ones kept.
    assert banlist.is_banned("192.0.2.199") and not banlist.is_banned("192.0.2.0")


def test_quiet_addresses_are_forgotten(banlist: BanList, clock: FakeClock) -> None:
    for i in range(100):
        banlist.failed(f"10.0.0.{i}")
    assert banlist.tracked == 100
    clock.advance(2.5)
    banlist.failed(SCANNER)
    assert banlist.tracked == 1
    fail(banlist, clock, SCANNER, 16, 0.0)
    clock.advance(301)
    assert banlist.banned() == {}


def test_invalid_settings_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        BanList(0, 2.0, 300.0, clock.now)
