"""schemathesis against the live client API: the server keeps to its OpenAPI document.

Property-based requests (valid and invalid) go to every operation with schemathesis's
default checks: no 5xx (not_a_server_error), only documented statuses, headers and bodies,
invalid input refused, valid input accepted, authentication enforced, undocumented methods
answered 405 with Allow.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.apiserver import PASSWORDS, ApiHarness, api_config
from tests.helpers.doorsim import door_toml
from tests.helpers.pbxproc import free_port

pytest.importorskip("schemathesis")

CLI = "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"
MAX_EXAMPLES = 50
MAX_TIME = 30           # seconds of generation; schemathesis repeats rounds until it is spent
TIME_LIMIT = 60         # the whole subprocess, start-up and report included

# These operations check numbers against the directory, and forwarding against the user's
# own number: a number that fits the schema's pattern but is no extension is rightly
# refused with 422, which schemathesis's positive_data_acceptance would call a failure.
# Opening a door whose relay is down is a documented 502 (the door's fault, not the
# PBX's), so that operation alone may answer it; any other 5xx still fails. Fuzzing opens
# the door more often than a user may a minute: its 429 is the rate limit at work.
# The WebSocket endpoint is tested in test_api.py; a plain GET of it is a 426 by design.
CONFIG = """
[[operations]]
include-operation-id = ["putFavorites", "addFavorite", "patchMySettings", "patchUserSettings"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422"]

# Ring group numbers and members that fit the pattern but name no group or member are
# rightly 404, and the admin (200) is no member of group 300, so logging "me" in is 403.
[[operations]]
include-operation-id = ["getRingGroup", "patchRingGroup", "ringGroupLoginMe",
                        "ringGroupLogoutMe", "ringGroupLogin", "ringGroupLogout"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404"]

# Conference rooms: rules across settings (a PIN room needs a PIN, the moderator PIN
# differs from it, a whitelist room needs a number) are beyond JSON Schema and rightly 422;
# a number that fits the pattern but is no room is 404, an extension's number 409; nobody
# is in a room here, so moderating one is 404.
[[operations]]
include-operation-id = ["putConference", "patchConference", "getConference",
                        "deleteConference", "addConferenceWhitelist",
                        "removeConferenceWhitelist", "conferenceLock", "conferenceUnlock",
                        "conferenceMuteAll", "conferenceUnmuteAll", "conferenceMute",
                        "conferenceUnmute", "removeConferenceParticipant"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# Shared line numbers that fit the pattern but name no line are 404; nobody holds a call
# here, so a private hold is 403 (not the holder) or 409 (nothing held).
[[operations]]
include-operation-id = ["getSharedLine", "patchSharedLine", "getSharedLineAudit",
                        "holdSharedLinePrivately"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

[[operations]]
include-operation-id = ["openDoor"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "429",
                                                     "502"]
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "502"]

[[operations]]
include-path = "/api/v1/events"
enabled = false
"""


RING_GROUP = """
[[ring_groups]]
number = "300"
name = "Hotline"
members = ["100", "101"]
"""
SHARED_LINE = """
[[shared_lines]]
number = "250"
name = "Geschäftsführung"
members = ["100", "101"]
"""


def doors() -> str:
    """Door 150's relay is a port nobody listens on (502 door_unreachable), door 151 has
    none (409 door_no_relay): the answers of a PBX whose doors are down, all documented.
    And ring group 300 and shared line 250 (members 100 and 101)."""
    return (door_toml(free_port(), video=False, open_roles=("admin",), open_users=())
            + door_toml(None, number="151", name="Hoftor", open_roles=("admin",),
                        open_users=()) + RING_GROUP + SHARED_LINE)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    # Thousands of random sign-ins would otherwise ban the test's own address.
    h = ApiHarness(tmp_path / "data", config=api_config(doors()), ban_failures=10**9)
    h.data_dir.mkdir()
    await h.start()
    yield h
    await h.stop()


@pytest.fixture
async def admin_token(harness: ApiHarness) -> str:
    async with aiohttp.ClientSession() as http, http.post(
            harness.url + "/api/v1/auth/token",
            json={"user": "200", "password": PASSWORDS["200"]}) as r:
        assert r.status == 200
        return str((await r.json())["token"])


async def test_server_conforms_to_its_openapi_document(harness: ApiHarness, admin_token: str,
                                                       tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [sys.executable, "-c", CLI, "--no-color", "--config-file", str(config),
               "run", harness.url + "/api/v1/openapi.json",
               "--header", f"Authorization: Bearer {admin_token}",
               "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME),
               "--workers", "1",
               "--report-dir", str(tmp_path / "report")]
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path)
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), TIME_LIMIT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"schemathesis did not finish within {TIME_LIMIT} s")
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-8000:]
    # Every operation but the WebSocket was selected, and every selected one tested.
    counts = re.search(r"Operations:\s+(\d+) selected / (\d+) total", text)
    assert counts is not None, text[-3000:]
    selected, total = int(counts[1]), int(counts[2])
    assert selected == total - 1, text[-3000:]
    assert f"Tested: {selected}" in text, text[-3000:]
    print(f"schemathesis finished in {time.monotonic() - started:.1f} s")
