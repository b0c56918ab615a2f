"""Issue 11 item 11: a call that cannot be delivered says why, to the caller and in the
PBX's call history (they were all "no answer").

A sipp UAC calls as extension 100: an extension with no registered device, and one whose
only device (a sipp UAS) refuses with 503 or 603. The caller gets the status and, where the
status alone is ambiguous, the Q.850 cause in a Reason header (RFC 6432); the PBX logs
call_end with the outcome and keeps it in its SQLite call history.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.helpers.sipp import SippResult
from tests.interop.conftest import PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop

CALLER = extension("100")


def causes(uac: SippResult) -> list[str]:
    """The Q.850 causes uac_reject.xml logged ("" for a response without one)."""
    return re.findall(r"\bcause=(\d*) ", uac.log)


def history(pbx: PbxUnderTest) -> list[tuple[str, str, str]]:
    """(caller, callee, result) of every call, read after the PBX has stopped (its store
    writes in batches; SIGTERM flushes them)."""
    assert pbx.process.stop() == 0
    with sqlite3.connect(pbx.data_dir / "pbx.sqlite3") as db:
        return db.execute("SELECT caller, callee, result FROM calls ORDER BY seq").fetchall()


def test_no_registered_device_is_not_registered_not_no_answer(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uac = sipp.run("uac_reject.xml", CALLER, callee="103")

    assert uac.ok, uac.describe()
    assert uac.logged("status") == ["480"], uac.describe()
    assert causes(uac) == ["20"], uac.describe()      # Q.850: subscriber absent
    pbx.process.wait_for("call_end", result="not-registered", caller="100", callee="103")
    assert history(pbx) == [("100", "103", "not-registered")]


@pytest.mark.parametrize(
    ("scenario", "status", "cause", "result"),
    [("uas_503.xml", "503", "", "failed"), ("uas_decline.xml", "603", "21", "rejected")],
)
def test_a_device_refusing_is_told_apart_from_no_answer(
    pbx: PbxUnderTest, sipp: SippRunner, scenario: str, status: str, cause: str, result: str,
) -> None:
    uas = sipp.callee(scenario, extension("101"))
    uac = sipp.run("uac_reject.xml", CALLER, callee="101")

    assert uac.ok, uac.describe()
    assert uac.logged("status") == [status], uac.describe()
    assert causes(uac) == [cause], uac.describe()
    assert uas.wait().ok
    pbx.process.wait_for("call_end", result=result, caller="100", callee="101")
    assert history(pbx) == [("100", "101", result)]
