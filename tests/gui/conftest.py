"""GUI tests: pytest-qt on the offscreen platform; a Qt warning fails the test."""

from __future__ import annotations

import os

# Before anything imports Qt: no display needed, the same on every machine.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYTEST_QT_API", "pyside6")

from collections.abc import Iterator

import pytest

from softphone.gui.pbx_client import PbxClient
from tests.gui.doors import door_pbx
from tests.helpers.doorsim import DoorsimProcess
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx

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


@pytest.fixture
def doors_pbx(qtbot, doorsim: DoorsimProcess) -> FakePbx:
    """A connected FakePbx with doors 150 and 151 whose video is the doorsim's camera."""
    return door_pbx(doorsim.url + "/video.mjpg")


@pytest.fixture
def client(qtbot) -> Iterator[PbxClient]:
    """A PbxClient that reconnects fast (test_pbx_client*.py; test_engine_client.py has
    its own `client`)."""
    pbx = PbxClient(backoff=(0.05, 0.1, 0.2), unavailable_retry=0.2)
    yield pbx
    pbx.disconnect()
