"""SUBSCRIBE/NOTIFY for third-party phones (RFC 6665 with RFC 3856 presence and RFC 4235
dialog) against the real SIP stack over UDP on loopback: an in-process PBX
(tests/helpers/pbxharness.py) and a watcher that behaves like a desk phone's BLF key."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.sip.message import Request
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.pbxharness import PbxHarness
from tests.helpers.sipclient import SipClient
from tests.helpers.watcher import Watcher

NS = {"d": "urn:ietf:params:xml:ns:dialog-info", "p": "urn:ietf:params:xml:ns:pidf"}


def dialog_states(notify: Request) -> list[tuple[str, str | None]]:
    root = ET.fromstring(notify.body)
    return [(d.findtext("d:state", namespaces=NS) or "", d.get("direction"))
            for d in root.findall("d:dialog", NS)]


def basic(notify: Request) -> str | None:
    return ET.fromstring(notify.body).findtext("p:tuple/p:status/p:basic", namespaces=NS)


@pytest.fixture
def harness_factory(tmp_path: Path) -> Iterator[Callable[..., PbxHarness]]:
    started: list[PbxHarness] = []

    def start(**options: int) -> PbxHarness:
        h = PbxHarness(tmp_path / f"h{len(started)}", subscription_options=options)
        (tmp_path / f"h{len(started)}").mkdir()
        started.append(h.start())
        return h

    yield start
    for h in started:
        h.stop()


@pytest.fixture
def harness(harness_factory: Callable[..., PbxHarness]) -> PbxHarness:
    return harness_factory()


@pytest.fixture
def watcher_factory(harness: PbxHarness) -> Iterator[Callable[..., Watcher]]:
    made: list[Watcher] = []

    def make(**kwargs: object) -> Watcher:
        w = Watcher(harness.port, **kwargs)  # type: ignore[arg-type]
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


@pytest.fixture
def watcher(watcher_factory: Callable[..., Watcher]) -> Watcher:
    return watcher_factory()


def test_dialog_subscription_follows_a_call(harness: PbxHarness, watcher: Watcher) -> None:
    ok = watcher.subscribe("101", "dialog", expires=600)
    assert watcher.first_status == 401                      # the watcher had to authenticate
    assert ok.status == 200, ok
    assert ok.headers.get("Expires") == "600"
    assert "sip:101@127.0.0.1" in (ok.headers.get("Contact") or "")
    assert "dialog" in (ok.headers.get("Allow-Events") or "")
    first = watcher.notify()
    assert first.headers.get("Event") == "dialog"
    assert first.headers.get("Content-Type") == "application/dialog-info+xml"
    state = first.headers.get("Subscription-State") or ""
    assert state.startswith("active;expires=") and 590 <= int(state.split("=")[1]) <= 600
    root = ET.fromstring(first.body)
    assert (root.get("version"), root.get("state")) == ("0", "full")
    assert root.get("entity") == "sip:101@127.0.0.1" and dialog_states(first) == []

    info = CallInfo(id="c1", caller="100", caller_name="Empfang", callee="101")
    info.parties = {"a": "100", "b": "101"}
    seen = []
    for state in ("ringing", "answered", "ended"):
        info.state = state
        harness.run(lambda: harness.presence.call_changed(info))
        notify = watcher.notify()
        seen.append((ET.fromstring(notify.body).get("version"), dialog_states(notify)))
    assert seen == [("1", [("early", "recipient")]), ("2", [("confirmed", "recipient")]),
                    ("3", [("terminated", "recipient")])]
    # The caller's identity is what a BLF key shows: 100, named.
    harness.run(lambda: harness.presence.call_changed(
        CallInfo(id="c2", caller="100", caller_name="Empfang", callee="101")))
    remote = ET.fromstring(watcher.notify().body).find("d:dialog/d:remote/d:identity", NS)
    assert remote is not None and remote.text == "sip:100@127.0.0.1"
    assert remote.get("display") == "Empfang"


@pytest.mark.e2e
def test_dialog_state_of_a_real_call_between_two_agents(
    harness: PbxHarness, watcher: Watcher, make_agent: Callable[..., Agent],  # noqa: F811
) -> None:
    alice, bob = make_agent("alice"), make_agent("bob")
    for agent, user in ((alice, "100"), (bob, "101")):
        agent.send(cmd="register", server=f"127.0.0.1:{harness.port}", user=user,
                   password=f"pw{user}", transport="udp")
        agent.wait_for("reg_state", code=200, active=True)
    assert watcher.subscribe("101", "dialog").status == 200
    assert dialog_states(watcher.notify()) == []

    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{harness.port}")
    bob.wait_for("incoming")
    assert dialog_states(watcher.notify()) == [("early", "recipient")]
    bob.send(cmd="answer", code=200)
    bob.wait_for("call_state", state="CONFIRMED")
    assert dialog_states(watcher.notify()) == [("confirmed", "recipient")]
    bob.send(cmd="hangup")
    alice.wait_for("call_state", state="DISCONNECTED")
    assert dialog_states(watcher.notify()) == [("terminated", "recipient")]
    assert harness.run(lambda: harness.presence.dialogs("101")) == []


def test_presence_open_and_closed_follow_registration(
    harness: PbxHarness, watcher: Watcher,
) -> None:
    ok = watcher.subscribe("103", "presence")
    assert ok.status == 200
    first = watcher.notify()
    assert first.headers.get("Event") == "presence"
    assert first.headers.get("Content-Type") == "application/pidf+xml"
    assert basic(first) == "closed"
    phone = SipClient(("127.0.0.1", harness.port))
    try:
        assert (resp := phone.register("103", "pw103", expires=300)) and resp.status == 200
        assert basic(watcher.notify()) == "open"
        assert (resp := phone.register("103", "pw103", expires=0)) and resp.status == 200
        assert basic(watcher.notify()) == "closed"
    finally:
        phone.close()


def test_presence_shows_dnd_and_calls(harness: PbxHarness, watcher: Watcher) -> None:
    assert watcher.subscribe("101", "presence").status == 200
    watcher.notify()

    def dnd_on() -> None:
        harness.dnd.add("101")
        harness.presence.settings_changed("101")

    harness.run(dnd_on)
    body = ET.fromstring(watcher.notify().body)
    ns = {"rpid": "urn:ietf:params:xml:ns:pidf:rpid"}
    assert body.find(".//rpid:activities/rpid:busy", ns) is not None
    harness.run(lambda: harness.presence.call_changed(
        CallInfo(id="c1", caller="101", caller_name="Vertrieb", callee="100")))
    body = ET.fromstring(watcher.notify().body)
    assert body.find(".//rpid:activities/rpid:on-the-phone", ns) is not None


def test_refresh_extends_and_unsubscribe_ends(harness: PbxHarness, watcher: Watcher) -> None:
    assert watcher.subscribe("101", "dialog", expires=600).status == 200
    watcher.notify()
    refreshed = watcher.refresh(300)
    assert refreshed.status == 200 and refreshed.headers.get("Expires") == "300"
    state = watcher.notify().headers.get("Subscription-State") or ""
    assert state.startswith("active;expires=") and int(state.split("=")[1]) <= 300

    gone = watcher.refresh(0)
    assert gone.status == 200 and gone.headers.get("Expires") == "0"
    last = watcher.notify()
    # RFC 6665 4.1.3 / 4.2.1.4: terminated, reason timeout; the body is the final state.
    assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
    assert ET.fromstring(last.body).get("version") == "2"
    assert harness.run(lambda: len(harness.subscriptions)) == 0
    harness.run(lambda: harness.presence.call_changed(
        CallInfo(id="c1", caller="100", caller_name="Empfang", callee="101")))
    watcher.no_notify()
    assert watcher.refresh(600).status == 481


def test_unknown_package_is_489_with_allow_events(watcher: Watcher) -> None:
    resp = watcher.subscribe("101", "message-summary")
    assert resp.status == 489
    assert [e.strip() for e in (resp.headers.get("Allow-Events") or "").split(",")] == \
        ["presence", "dialog"]


def test_too_short_expires_is_423_with_min_expires(watcher: Watcher) -> None:
    resp = watcher.subscribe("101", "dialog", expires=10)
    assert resp.status == 423 and resp.headers.get("Min-Expires") == "60"


def test_longer_than_max_is_shortened_and_missing_expires_is_default(
    watcher_factory: Callable[..., Watcher],
) -> None:
    assert watcher_factory().subscribe("101", expires=86400).headers.get("Expires") == "3600"
    assert watcher_factory().subscribe("101", expires=None).headers.get("Expires") == "3600"


def test_unknown_extension_is_404_and_wrong_accept_is_406(
    watcher_factory: Callable[..., Watcher],
) -> None:
    assert watcher_factory().subscribe("199").status == 404
    wrong = watcher_factory().subscribe("101", "presence", extra=["Accept: text/plain"])
    assert wrong.status == 406


def test_wrong_password_is_refused(harness: PbxHarness) -> None:
    w = Watcher(harness.port)
    w.password = "nope"
    try:
        assert w.subscribe("101").status == 403
    finally:
        w.close()


def test_fetch_with_expires_zero_gets_one_terminated_notify(
    harness: PbxHarness, watcher: Watcher,
) -> None:
    resp = watcher.subscribe("101", "presence", expires=0)
    assert resp.status == 200 and resp.headers.get("Expires") == "0"
    notify = watcher.notify()
    assert notify.headers.get("Subscription-State") == "terminated;reason=timeout"
    assert basic(notify) == "closed"
    assert harness.run(lambda: len(harness.subscriptions)) == 0


def test_subscription_expires_when_not_refreshed(
    harness_factory: Callable[..., PbxHarness],
) -> None:
    h = harness_factory(min_expires=1)
    w = Watcher(h.port)
    try:
        assert w.subscribe("101", "dialog", expires=1).status == 200
        assert (w.notify().headers.get("Subscription-State") or "").startswith("active")
        started = time.monotonic()
        last = w.notify(timeout=5)
        assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
        assert 0.5 < time.monotonic() - started < 3
        assert h.run(lambda: len(h.subscriptions)) == 0
    finally:
        w.close()


def test_notify_answered_481_ends_the_subscription(
    harness: PbxHarness, watcher_factory: Callable[..., Watcher],
) -> None:
    w = watcher_factory(notify_status=481)
    assert w.subscribe("101", "dialog").status == 200
    w.notify()
    deadline = time.monotonic() + 3
    while harness.run(lambda: len(harness.subscriptions)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert harness.run(lambda: len(harness.subscriptions)) == 0
    harness.run(lambda: harness.presence.call_changed(
        CallInfo(id="c1", caller="100", caller_name="Empfang", callee="101")))
    w.no_notify()


def test_subscriptions_are_bounded_per_watcher(
    harness_factory: Callable[..., PbxHarness],
) -> None:
    h = harness_factory(max_per_watcher=2)
    made = [Watcher(h.port) for _ in range(3)]
    try:
        statuses = [w.subscribe(t).status for w, t in zip(made, ("100", "101", "103"), strict=True)]
        assert statuses == [200, 200, 503]
        other = Watcher(h.port, user="100")
        made.append(other)
        assert other.subscribe("101").status == 200    # another watcher has its own quota
    finally:
        for w in made:
            w.close()


def test_shutdown_tells_watchers_to_come_back(
    harness_factory: Callable[..., PbxHarness],
) -> None:
    h = harness_factory()
    w = Watcher(h.port)
    try:
        assert w.subscribe("101").status == 200
        w.notify()
        assert h.run(lambda: h.subscriptions.close(retry_after=7)) == 1
        state = w.notify().headers.get("Subscription-State")
        assert state == "terminated;reason=probation;retry-after=7"
    finally:
        w.close()
