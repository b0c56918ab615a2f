"""NOTIFY bodies parsed back as a phone would: PIDF (RFC 3863 with RFC 4479/4480 person
and activities) and dialog-info (RFC 4235), namespaces included."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from softphone.common.directory import Presence
from softphone.pbx.features.dialoginfo import CONTENT_TYPE as DIALOG_TYPE
from softphone.pbx.features.dialoginfo import dialog_info
from softphone.pbx.features.pidf import CONTENT_TYPE as PIDF_TYPE
from softphone.pbx.features.pidf import pidf
from softphone.pbx.features.presence import DialogState

NS = {
    "p": "urn:ietf:params:xml:ns:pidf",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
    "rpid": "urn:ietf:params:xml:ns:pidf:rpid",
    "d": "urn:ietf:params:xml:ns:dialog-info",
}


def test_content_types() -> None:
    assert PIDF_TYPE == "application/pidf+xml"
    assert DIALOG_TYPE == "application/dialog-info+xml"


@pytest.mark.parametrize(("presence", "basic", "activity", "note"), [
    (Presence.AVAILABLE, "open", None, "Available"),
    (Presence.RINGING, "open", "on-the-phone", "Ringing"),
    (Presence.BUSY, "open", "on-the-phone", "On the phone"),
    (Presence.DND, "open", "busy", "Do not disturb"),
    (Presence.OFFLINE, "closed", "away", "Offline"),
])
def test_pidf_for_every_state(presence: Presence, basic: str, activity: str | None,
                              note: str) -> None:
    root = ET.fromstring(pidf("sip:101@pbx.example", presence))
    assert root.tag == f"{{{NS['p']}}}presence"
    assert root.get("entity") == "sip:101@pbx.example"
    (tuple_,) = root.findall("p:tuple", NS)
    assert tuple_.get("id")
    assert tuple_.findtext("p:status/p:basic", namespaces=NS) == basic
    assert tuple_.findtext("p:contact", namespaces=NS) == "sip:101@pbx.example"
    assert tuple_.findtext("p:note", namespaces=NS) == note
    (person,) = root.findall("dm:person", NS)
    activities = [el.tag.split("}")[1] for el in person.findall("rpid:activities/*", NS)]
    assert activities == ([activity] if activity else [])
    assert all(el.tag.startswith(f"{{{NS['rpid']}}}")
               for el in person.findall("rpid:activities/*", NS))
    assert person.findtext("dm:note", namespaces=NS) == note


def test_pidf_escapes_the_entity() -> None:
    root = ET.fromstring(pidf('sip:1"<&>@x', Presence.AVAILABLE))
    assert root.get("entity") == 'sip:1"<&>@x'


def uri(number: str) -> str:
    return f"sip:{number}@pbx.example"


def names(number: str) -> str:
    return {"100": "Empfang", "101": "Vertrieb & Co <DE>"}.get(number, "")


def test_dialog_info_empty_means_idle() -> None:
    root = ET.fromstring(dialog_info("sip:101@pbx.example", 0, [], uri, names))
    assert root.tag == f"{{{NS['d']}}}dialog-info"
    assert (root.get("version"), root.get("state"), root.get("entity")) == \
        ("0", "full", "sip:101@pbx.example")
    assert root.findall("d:dialog", NS) == []


def test_dialog_info_dialog_elements() -> None:
    dialogs = [
        DialogState(id="abc", call="c1", state="early", direction="recipient", local="101",
                    remote="100", remote_name="Empfang"),
        DialogState(id="def", call="c2", state="terminated", direction="initiator",
                    local="101", remote="102"),
    ]
    root = ET.fromstring(dialog_info("sip:101@pbx.example", 7, dialogs, uri, names))
    assert root.get("version") == "7"
    first, second = root.findall("d:dialog", NS)
    assert (first.get("id"), first.get("direction")) == ("abc", "recipient")
    # RFC 4235 schema: state comes first, then local, then remote.
    assert [el.tag.split("}")[1] for el in first] == ["state", "local", "remote"]
    assert first.findtext("d:state", namespaces=NS) == "early"
    local = first.find("d:local/d:identity", NS)
    assert local is not None and local.text == "sip:101@pbx.example"
    assert local.get("display") == "Vertrieb & Co <DE>"
    remote = first.find("d:remote/d:identity", NS)
    assert remote is not None and remote.text == "sip:100@pbx.example"
    assert remote.get("display") == "Empfang"
    target = first.find("d:remote/d:target", NS)
    assert target is not None and target.get("uri") == "sip:100@pbx.example"
    assert (second.get("direction"), second.findtext("d:state", namespaces=NS)) == \
        ("initiator", "terminated")
    remote = second.find("d:remote/d:identity", NS)
    assert remote is not None and remote.get("display") is None
