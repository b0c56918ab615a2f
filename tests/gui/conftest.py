"""GUI tests: pytest-qt on the offscreen platform; a Qt warning fails the test."""

from __future__ import annotations

import os

# Before anything imports Qt: no display needed, the same on every machine.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYTEST_QT_API", "pyside6")

from collections.abc import Iterator

import pytest

from tests.helpers.doorsim import DoorsimProcess
from tests.helpers.fake_engine import FakeEngine

# The offscreen plugin says this on every show(); it is about the platform, not our code.
IGNORED_QT_MESSAGES = ("This plugin does not support",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES))


@pytest.fixture
def engine(qtbot) -> FakeEngine:
    fake = FakeEngine()
    fake.start()
    return fake


@pytest.fixture(scope="module")
def doorsim() -> Iterator[DoorsimProcess]:
    """A real door station simulator (camera on /video.mjpg), shared by a module's tests."""
    proc = DoorsimProcess("--fps", "15").start()
    try:
        yield proc
    finally:
        proc.stop()
