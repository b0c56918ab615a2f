"""The daemon's log handler writes into its buffered stream without flushing each record:
the daemon flushes it on a timer (softphone/pbx/logsetup.py)."""

from __future__ import annotations

import io
import logging

from softphone.pbx.logsetup import setup_logging


class CountingRaw(io.RawIOBase):
    """The file descriptor under the buffer: counts the write(2)s that reach it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.writes.append(chunk)
        return len(chunk)


def test_records_reach_the_descriptor_only_when_the_owner_flushes(
        restore_logging: None) -> None:
    raw = CountingRaw()
    stream = io.TextIOWrapper(io.BufferedWriter(raw, 64 * 1024), encoding="utf-8")
    setup_logging("json", stream=stream)
    log = logging.getLogger("softphone.pbx.test")
    for n in range(100):
        log.info("call %d answered", n, extra={"event": "call_answered"})
    assert raw.writes == []  # no write(2) per record
    stream.flush()
    lines = b"".join(raw.writes).decode().splitlines()
    assert len(raw.writes) == 1 and len(lines) == 100
    assert '"event": "call_answered"' in lines[-1] and "call 99 answered" in lines[-1]
