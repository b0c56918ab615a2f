"""The door station simulator's SIP options: clear errors for bad input."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from softphone.doorsim.main import parse_args

SIP = ["--sip-server", "127.0.0.1:5060", "--sip-user", "150", "--sip-password", "demo150"]


def test_without_sip_server_http_only() -> None:
    assert parse_args([]).sip is None


def test_sip_defaults() -> None:
    sip = parse_args(SIP).sip
    assert sip is not None
    assert (sip.server, sip.user, sip.password, sip.transport) == (
        "127.0.0.1:5060", "150", "demo150", "udp")
    assert (sip.target, sip.ring_timeout, sip.dtmf_code, sip.visitor_audio) == (
        "210", 30.0, "*1", None)


@pytest.mark.parametrize(("argv", "message"), [
    (["--sip-server", "127.0.0.1"], "needs --sip-user"),
    (["--sip-user", "150"], "needs --sip-server"),
    ([*SIP, "--dtmf-code", "12x"], "use 1-16 of the keys"),
    ([*SIP, "--ring-timeout", "0"], "--ring-timeout must be positive"),
    ([*SIP, "--visitor-audio", "/nonexistent.wav"], "not a readable WAV"),
])
def test_bad_sip_options_are_refused_clearly(argv: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_stereo_visitor_audio_is_refused(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\0\0\0\0" * 160)
    with pytest.raises(SystemExit):
        parse_args([*SIP, "--visitor-audio", str(path)])
    assert "needs 16-bit PCM mono" in capsys.readouterr().err
