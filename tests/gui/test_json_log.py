"""The client's --log-format json: key engine events as one JSON object per stderr line."""

from __future__ import annotations

import json
import logging

import pytest

from softphone.common.engine_protocol import CallState, RegState
from softphone.gui.app import parse_args
from softphone.gui.engine_backend import EngineState
from softphone.gui.logsetup import log_engine_events, setup_logging
from tests.helpers.fake_engine import FakeEngine


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_log_format_option_defaults_to_text() -> None:
    assert parse_args([])[0].log_format == "text"
    assert parse_args(["--log-format", "json"])[0].log_format == "json"
    with pytest.raises(SystemExit):
        parse_args(["--log-format", "xml"])


def test_engine_events_are_json_lines_with_an_event_field(
        qtbot, capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    setup_logging("json")
    engine = FakeEngine()
    log_engine_events(engine)
    engine.start()
    engine.registration(RegState.REGISTERING)
    engine.registration(RegState.REGISTERED, code=200, reason="OK")
    engine.call("c1", CallState.CALLING, remote_number="100")
    engine.call("c1", CallState.RINGING_OUT)
    engine.call("c1", CallState.RINGING_OUT, remote_name="Empfang")   # no new state: no line
    engine.call("c1", CallState.ENDED, code=487)
    engine.set_engine_state(EngineState.LOST)

    lines = json_lines(capsys.readouterr().err)
    events = [(x["event"], x.get("state")) for x in lines]
    assert events == [
        ("engine_running", None),
        ("registration", "registering"), ("registration", "registered"),
        ("call", "calling"), ("call", "ringing_out"), ("call", "ended"),
        ("engine_state", "lost"),
    ]
    registered = lines[2]
    assert registered["code"] == 200 and registered["level"] == "info"
    assert isinstance(registered["ts"], float)
    ended = lines[5]
    assert ended["call_id"] == "c1" and ended["direction"] == "out" and ended["code"] == 487


def test_text_format_is_not_json(capsys: pytest.CaptureFixture[str],
                                 restore_logging: None) -> None:
    setup_logging("text")
    logging.getLogger("softphone.gui.events").info("registration registered",
                                                   extra={"event": "registration"})
    err = capsys.readouterr().err
    assert "registration registered" in err and not err.lstrip().startswith("{")
    with pytest.raises(ValueError):
        setup_logging("xml")
