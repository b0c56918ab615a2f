"""[sip] transports = [..., "tls"]: the TLS port, certificate and key, and clear mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from softphone.pbx.config import ConfigError, SipSettings, load_config, parse_config


def error(text: str, source: str = "pbx.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source)
    return info.value


def files(tmp_path: Path) -> Path:
    (tmp_path / "sip.crt").write_text("cert")
    (tmp_path / "sip.key").write_text("key")
    return tmp_path / "pbx.toml"


def test_without_tls_nothing_changes() -> None:
    sip = parse_config("", "x.toml").sip
    assert sip == SipSettings()
    assert (sip.transports, sip.tls_port, sip.tls_cert, sip.tls_key) == (
        ("udp", "tcp"), 5061, None, None)
    assert load_config(None).sip.transports == ("udp", "tcp")  # the demo runs without a cert


def test_tls_values_are_read_relative_to_the_file(tmp_path: Path) -> None:
    source = files(tmp_path)
    sip = parse_config('[sip]\ntransports = ["udp", "tls"]\ntls_port = 0\n'
                       'tls_cert = "sip.crt"\ntls_key = "sip.key"\n', str(source)).sip
    assert sip.transports == ("udp", "tls")
    assert (sip.tls_port, sip.tls_cert, sip.tls_key) == (0, tmp_path / "sip.crt",
                                                         tmp_path / "sip.key")


def test_tls_port_defaults_to_5061(tmp_path: Path) -> None:
    source = files(tmp_path)
    sip = parse_config('[sip]\ntransports = ["tls"]\ntls_cert = "sip.crt"\n'
                       'tls_key = "sip.key"\n', str(source)).sip
    assert sip.tls_port == 5061


@pytest.mark.parametrize(("text", "key", "message"), [
    ('[sip]\ntransports = ["tls"]', "sip.tls_cert",
     "missing: transports lists 'tls', which needs tls_cert and tls_key"),
    ('[sip]\ntransports = ["tls"]\ntls_cert = "sip.crt"', "sip.tls_key",
     "missing: transports lists 'tls', which needs tls_cert and tls_key"),
    ('[sip]\ntransports = ["tls"]\ntls_key = "sip.key"', "sip.tls_cert", "missing"),
    ('[sip]\ntls_cert = "sip.crt"\ntls_key = "sip.key"', "sip.tls_cert",
     "given, but transports does not list 'tls'"),
    ('[sip]\ntransports = ["tls"]\ntls_cert = "nope.crt"\ntls_key = "sip.key"',
     "sip.tls_cert", "file not found: "),
    ('[sip]\ntransports = ["tls"]\ntls_cert = ""\ntls_key = "sip.key"', "sip.tls_cert",
     "must not be empty"),
    ('[sip]\ntransports = ["tls"]\ntls_cert = 5\ntls_key = "sip.key"', "sip.tls_cert",
     "expected a string, got an integer"),
    ("[sip]\ntls_port = 70000", "sip.tls_port", "70000 is out of range 0-65535"),
    ('[sip]\ntransports = ["sctp"]', "sip.transports[0]", "'sctp' is not one of 'udp', 'tcp', "
                                                          "'tls'"),
    ('[sip]\ntransports = ["tls", "tls"]', "sip.transports", "lists a transport twice"),
    ("[sip]\ntls_prot = 5061", "sip.tls_prot", "unknown key; did you mean 'tls_port'?"),
])
def test_mistakes_name_file_and_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    source = files(tmp_path)
    err = error(text, str(source))
    assert (err.file, err.key) == (str(source), key)
    assert message in err.message
    assert str(err).startswith(f"{source}: {key}: ")
