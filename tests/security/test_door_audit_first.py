"""Attack: fill the disk under the PBX's data directory, then open a door.

What must hold: no door opens without a record. With the audit log unwritable the relay
stays untouched, the user gets 503 door_audit_unavailable saying why (not 500), the PBX
keeps serving, and once space is back the door opens and every opening is recorded.

The full disk is real: a tiny tmpfs mounted over the data directory (needs the right to
mount, as root in the test containers; skipped elsewhere).
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.integration.test_doors_api import Client, Site, relay_log, summary


def fill(directory: Path) -> Path:
    """Write a file into ``directory`` until the file system is full."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        try:   # the last bytes, so that not even a page is left
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass
    return filler


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield data
    finally:
        subprocess.run(["umount", "-l", str(data)], check=True)


async def test_a_full_disk_keeps_the_door_shut_and_says_why(
        tiny_disk: Path, tmp_path: Path, http: aiohttp.ClientSession) -> None:
    site = Site(tmp_path)
    assert site.data_dir == tiny_disk
    site.doorsim.start()
    try:
        api = Client(http, site.start_pbx())
        assert site.pbx is not None
        status, _ = await api.open("100", "150")
        assert status == 200
        filler = fill(tiny_disk)

        status, body = await api.open("100", "150")
        assert status == 503, body
        assert body["error"] == "door_audit_unavailable"
        assert body["message"].startswith("Haustür stays shut: the opening cannot be recorded")
        assert len(await relay_log(http, site.doorsim)) == 1      # the relay was not switched
        site.pbx.wait_for("door_audit_failed", door="150")
        # Still serving: the audit is read, a refusal is still answered with its reason.
        assert summary(await api.audit()) == [("100", "150", "opened")]
        status, body = await api.open("101", "150")
        assert (status, body["error"]) == (403, "door_forbidden")

        filler.unlink()
        status, _ = await api.open("100", "150")
        assert status == 200
        openings = await relay_log(http, site.doorsim)
        records = [r for r in await api.audit() if r["result"] == "opened"]
        assert len(openings) == len(records) == 2
    finally:
        site.stop_pbx()
        site.doorsim.stop()
