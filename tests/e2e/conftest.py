"""End-to-end tests: the GUI ones (the real window) run on Qt's offscreen platform."""

from __future__ import annotations

import os

# Before anything imports Qt: no display needed, the same on every machine.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYTEST_QT_API", "pyside6")
