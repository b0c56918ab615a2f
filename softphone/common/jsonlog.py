"""One JSON object per log line, for machines: systemd's journal, log shippers, and the
end-to-end tests and benchmarks that wait for a line with a given ``"event"``.

Shared by the PBX daemon (softphone.pbx.logsetup) and the client GUI
(softphone.gui.logsetup). Every field passed with ``extra=`` becomes a key of the object,
so ``log.info("registered", extra={"event": "registration", "state": "registered"})``
gives ``{"ts": ..., "level": "info", ..., "event": "registration", "state": "registered"}``.
"""

from __future__ import annotations

import json
import logging

# Attributes every LogRecord has; anything else was passed with `extra=` and is data.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)
