"""Registration against the real PBX with sipp as the phone (RFC 3261 section 10).

Each test starts its own PBX (fixture ``pbx``) and drives one sipp scenario from
tests/interop/scenarios; what is asserted is what an administrator would look at: did the
phone get registered, for how long, and does the PBX route calls to it afterwards.
"""

from __future__ import annotations

import re

import pytest

from tests.interop.conftest import EXPIRES, PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop


def test_register_with_digest_is_answered_with_the_binding(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    result = sipp.run("register.xml", extension("100"))

    assert result.ok, result.describe()
    # The 401 offered a digest sipp can answer (it knows only MD5).
    challenges = re.findall(r"^WWW-Authenticate:.*$", result.messages, re.MULTILINE | re.I)
    assert any("algorithm=MD5" in line for line in challenges), challenges
    (contact,) = result.logged("contact")
    assert contact.startswith("<sip:100@127.0.0.1:"), contact
    (expires,) = re.findall(r";expires=(\d+)", contact)
    assert 60 <= int(expires) <= EXPIRES
    pbx.process.wait_for("register", aor="100")  # the daemon writes its log in blocks
    assert [event["aor"] for event in pbx.events("register")] == ["100"], pbx.log_tail()


def test_wrong_password_is_refused_and_registers_nothing(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    from tests.helpers.sipp import User

    result = sipp.run("register_wrong.xml", User("101", "not-the-password"))

    assert result.ok, result.describe()
    assert result.logged("status") in (["401"], ["403"])
    assert not pbx.events("register"), pbx.log_tail()
    # One mistake does not lock the phone out: the right password still works.
    retry = sipp.run("register.xml", extension("101"), name="register_retry")
    assert retry.ok, retry.describe()


def test_unregister_removes_the_binding_and_calls_then_fail(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    result = sipp.run("unregister.xml", extension("102"))

    assert result.ok, result.describe()
    (bound,) = result.logged("bound")
    assert "sip:102@" in bound
    # The 200 to "Expires: 0" lists no binding any more.
    assert result.logged("after") == ["|"]
    # Nobody is registered as 102 now, so calling it gets 480 Temporarily Unavailable.
    call = sipp.run("uac_reject.xml", extension("100"), callee="102")
    assert call.ok, call.describe()
    assert call.logged("status") == ["480"]
