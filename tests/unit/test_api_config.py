"""The [api] section of the PBX configuration: defaults, TLS files, and clear mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from softphone.pbx.config import ApiSettings, ConfigError, parse_config


def error(text: str, source: str = "pbx.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source)
    return info.value


def test_defaults_without_a_section() -> None:
    api = parse_config("", "x.toml").api
    assert api == ApiSettings()
    assert (api.enabled, api.host, api.port, api.token_ttl) == (True, "127.0.0.1", 8080, 3600)
    assert api.tls_cert is None and api.tls_key is None


def test_values_are_read(tmp_path: Path) -> None:
    (tmp_path / "api.crt").write_text("cert")
    (tmp_path / "api.key").write_text("key")
    source = str(tmp_path / "pbx.toml")
    api = parse_config('[api]\nenabled = false\nhost = "0.0.0.0"\nport = 0\n'
                       'tls_cert = "api.crt"\ntls_key = "api.key"\ntoken_ttl = 600\n', source).api
    # Relative paths are relative to the configuration file, not the working directory.
    assert api == ApiSettings(False, "0.0.0.0", 0, tmp_path / "api.crt", tmp_path / "api.key",
                              600)


@pytest.mark.parametrize(("text", "key", "message"), [
    ("[api]\nport = 70000", "api.port", "70000 is out of range 0-65535"),
    ("[api]\nport = true", "api.port", "expected an integer, got a boolean"),
    ('[api]\nhost = "example.org"', "api.host", "'example.org' is not an IP address"),
    ("[api]\ntoken_ttl = 5", "api.token_ttl", "5 is out of range 60-2592000"),
    ('[api]\nenabled = "yes"', "api.enabled", "expected a boolean, got a string"),
    ("[api]\ntls = 1", "api.tls", "unknown key; did you mean 'tls_key'?"),
    ('[api]\ntls_cert = ""', "api.tls_cert", "must not be empty"),
    ("api = 3", "api", "expected a table, got an integer"),
])
def test_mistakes_name_the_key(text: str, key: str, message: str) -> None:
    err = error(text)
    assert (err.file, err.key) == ("pbx.toml", key)
    assert message in err.message


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert = tmp_path / "api.crt"
    cert.write_text("cert")
    err = error(f'[api]\ntls_cert = "{cert}"\n')
    assert err.key == "api.tls_key"
    assert "tls_cert and tls_key together" in err.message
    err = error(f'[api]\ntls_key = "{cert}"\n')
    assert err.key == "api.tls_cert"


def test_missing_tls_file_is_named(tmp_path: Path) -> None:
    err = error(f'[api]\ntls_cert = "{tmp_path}/nope.crt"\ntls_key = "{tmp_path}/nope.key"\n')
    assert err.key == "api.tls_cert"
    assert err.message == f"file not found: {tmp_path}/nope.crt"
