"""Fixtures shared by every test level."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.kamailio import kamailio  # noqa: F401  (a fixture, for every level)
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def rfc4475_dir() -> Path:
    """The RFC 4475 torture messages, vendored in tests/data/rfc4475 (README: provenance)."""
    path = ROOT / "tests" / "data" / "rfc4475"
    if not path.is_dir():
        pytest.fail(f"RFC 4475 messages not found at {path}")
    return path


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    """The real PBX daemon with extensions 100-103 (passwords "pw100".."pw103") on a free
    port and its own RTP range; stopped with SIGTERM, which must end it with exit code 0."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=24000 + (port % 40) * 200)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging replaces the root handlers (pytest's capture among them): put them back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
