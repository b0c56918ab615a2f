"""The per-account throttle with a fake clock: the wait grows, only time forgets, memory
stays bounded."""

from __future__ import annotations

from softphone.pbx.features.throttle import AccountThrottle


def test_the_wait_doubles_is_capped_and_only_time_forgets() -> None:
    now = [0.0]
    throttle = AccountThrottle(lambda: now[0], failures=3, window=60.0, base=2.0,
                               max_delay=10.0)
    assert [throttle.failed("101") for _ in range(6)] == [0.0, 0.0, 2.0, 4.0, 8.0, 10.0]
    assert throttle.wait("101") == 10.0 and throttle.wait("102") == 0.0
    now[0] = 5.0
    assert throttle.wait("101") == 5.0
    now[0] = 100.0                   # the window has passed: the count starts again
    assert throttle.wait("101") == 0.0 and throttle.failed("101") == 0.0


def test_memory_is_bounded() -> None:
    throttle = AccountThrottle(lambda: 0.0, failures=1, max_tracked=10)
    for i in range(1000):
        throttle.failed(str(i))
    assert throttle.wait("999") > 0 and throttle.wait("0") == 0.0
