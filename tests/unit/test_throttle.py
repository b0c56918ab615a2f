"""The per-account throttle with a fake clock: the wait grows, only time forgets, memory
stays bounded."""

from __future__ import annotations

from softphone.pbx.features.throttle import AccountThrottle


def test_the_wait_doubles_is_capped_and_only_time_forgets() -> None:
    now = [0.0]
    throttle = AccountThrottle(lambda: now[0], failures=3, window=60.0, base=2.0,
                               max_delay=10.0)
    assert [throttle.failed("101") for _ in range(6)] == [0.0, 0.0, 2.0, 4.0, 8.0, 10.0]
    assert throttle.wait("101", "192.0.2.1") == 10.0 and throttle.wait("102", "192.0.2.1") == 0.0
    now[0] = 5.0
    assert throttle.wait("101", "192.0.2.1") == 5.0
    now[0] = 100.0                   # the window has passed: the count starts again
    assert throttle.wait("101", "192.0.2.1") == 0.0 and throttle.failed("101") == 0.0


def test_memory_is_bounded() -> None:
    throttle = AccountThrottle(lambda: 0.0, failures=1, max_tracked=10)
    for i in range(1000):
        throttle.failed(str(i))
    assert throttle.wait("999", "192.0.2.1") > 0 and throttle.wait("0", "192.0.2.1") == 0.0


def test_the_accounts_registered_devices_are_not_locked_out() -> None:
    desk = "192.0.2.10"
    throttle = AccountThrottle(lambda: 0.0, failures=1,
                               known=lambda account, ip: (account, ip) == ("101", desk))
    throttle.failed("101")
    assert throttle.wait("101", "198.51.100.7") > 0     # a new sign-in elsewhere waits
    assert throttle.wait("101", desk) == 0.0            # the owner's registered phone not
