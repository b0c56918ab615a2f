"""Logging for the daemon: human-readable text, or one JSON object per line for machines
(systemd's journal, log shippers, the end-to-end tests that wait for `"event": "ready"`)."""

from __future__ import annotations

import io
import logging
import sys
import time
from typing import TextIO

from softphone.common.jsonlog import JsonFormatter

__all__ = ["FLUSH_INTERVAL", "JsonFormatter", "TextFormatter", "buffered_stderr", "setup_logging"]


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self.converter = time.gmtime


# How long a log line may wait in the daemon's buffer (see buffered_stderr).
FLUSH_INTERVAL = 0.1


def buffered_stderr() -> TextIO:
    """stderr for the daemon's log, written in blocks rather than line by line.

    Python's stderr is line-buffered, so each record was a write(2) to the journal's or
    the test harness's pipe: ~100 us a line, 10 % of the CPU of a call setup (py-spy at
    300 calls/s, two lines a call). The daemon flushes this every FLUSH_INTERVAL seconds
    and at exit; a crash loses at most that much of the log.
    """
    raw = io.FileIO(sys.stderr.fileno(), "w", closefd=False)
    return io.TextIOWrapper(io.BufferedWriter(raw, 64 * 1024), encoding="utf-8",
                            errors="backslashreplace")


class _BlockHandler(logging.StreamHandler):
    """A StreamHandler that leaves flushing to the stream's owner.

    StreamHandler.emit flushes after every record, and flushing buffered_stderr's
    TextIOWrapper writes its buffer out: a write(2) per line again, 10 % of a call setup's
    CPU at 300 calls/s (py-spy: StreamHandler.flush).
    """

    def flush(self) -> None:
        pass


def setup_logging(fmt: str, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (flushed by its owner, see buffered_stderr) or to stderr."""
    handler = logging.StreamHandler(sys.stderr) if stream is None else _BlockHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
