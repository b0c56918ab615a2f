"""Fixtures shared by every test level."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def rfc4475_dir() -> Path:
    """The RFC 4475 torture messages, in ../shared/rfc4475 beside the checkout."""
    path = ROOT.parent / "shared" / "rfc4475"
    if not path.is_dir():
        pytest.fail(f"RFC 4475 messages not found at {path}")
    return path
