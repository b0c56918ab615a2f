"""Logging for the daemon: human-readable text, or one JSON object per line for machines
(systemd's journal, log shippers, the end-to-end tests that wait for `"event": "ready"`)."""

from __future__ import annotations

import logging
import sys
import time

from softphone.common.jsonlog import JsonFormatter

__all__ = ["JsonFormatter", "TextFormatter", "setup_logging"]


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self.converter = time.gmtime


def setup_logging(fmt: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
