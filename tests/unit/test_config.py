"""PBX configuration: the demo file loads, and every mistake names file, key and problem."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from softphone.pbx.config import (
    ConfigError,
    PbxConfig,
    RtpSettings,
    SecuritySettings,
    SipSettings,
    load_config,
    parse_config,
)

EXT = '[[extensions]]\nnumber = "{n}"\nname = "X"\npassword = "pw"\n'


def error(text: str, source: str = "pbx.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source)
    return info.value


def test_demo_config_has_the_four_office_extensions_and_the_front_door() -> None:
    config = load_config(None)
    assert config.source == "<demo>"
    assert [ext.number for ext in config.users()] == ["100", "101", "102", "103"]
    door = config.door("150")
    assert door is not None and door.name == "Haustür"
    assert config.extensions["150"].role == "door"    # registers like a phone
    reception = config.extension("100")
    assert reception is not None
    assert (reception.display_name, reception.role, reception.department) == (
        "Empfang", "admin", "Empfang")
    assert reception.password == "demo100"
    assert [config.extensions[n].display_name for n in ("101", "102", "103")] == [
        "Vertrieb", "Buchhaltung", "Homeoffice"]
    assert {config.extensions[n].role for n in ("101", "102", "103")} == {"user"}
    assert config.extension("104") is None
    assert (config.sip.host, config.sip.port, config.sip.transports) == (
        "127.0.0.1", 5060, ("udp", "tcp"))
    assert (config.rtp.host, config.rtp.port_min, config.rtp.port_max) == (
        "127.0.0.1", 20000, 20999)
    assert config.security == SecuritySettings()


def test_password_yields_both_ha1_digests_of_user_realm_password() -> None:
    config = load_config(None)
    ext = config.extensions["101"]
    a1 = b"101:softphone.local:demo101"
    assert ext.ha1_md5 == hashlib.md5(a1).hexdigest()
    assert ext.ha1_sha256 == hashlib.sha256(a1).hexdigest()


def test_empty_file_gives_defaults() -> None:
    config = parse_config("", "x.toml")
    assert config == PbxConfig("x.toml", SipSettings(), RtpSettings(), SecuritySettings(), {})
    assert config.security.ban_failures == 16 and config.security.ban_window == 2.0
    assert config.security.ban_seconds == 300.0
    assert (config.sip.session_expires, config.sip.min_se) == (1800, 90)   # RFC 4028


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "pbx.toml"
    path.write_text('[sip]\nport = 5070\nrealm = "firma.example"\n' + EXT.format(n="200"))
    config = load_config(path)
    assert config.source == str(path)
    assert config.sip.port == 5070
    ext = config.extensions["200"]
    assert ext.ha1_md5 == hashlib.md5(b"200:firma.example:pw").hexdigest()


def test_stored_hashes_without_password() -> None:
    md5 = hashlib.md5(b"300:softphone.local:geheim").hexdigest()
    config = parse_config(f'[[extensions]]\nnumber = "300"\nha1_md5 = "{md5.upper()}"\n', "p")
    ext = config.extensions["300"]
    assert (ext.password, ext.ha1_md5, ext.ha1_sha256) == (None, md5, None)
    assert (ext.display_name, ext.role) == ("300", "user")


def test_error_string_format_for_bad_number() -> None:
    text = EXT.format(n="100") + EXT.format(n="101") + EXT.format(n="10a")
    err = error(text)
    assert str(err) == "pbx.toml: extensions[2].number: '10a' is not a number of 2-6 digits"
    assert (err.file, err.key) == ("pbx.toml", "extensions[2].number")


@pytest.mark.parametrize("number", ["1", "1234567", "", "١٢٣", "12 "])
def test_number_must_be_two_to_six_ascii_digits(number: str) -> None:
    assert error(EXT.format(n=number)).key == "extensions[0].number"


def test_number_written_as_integer_is_explained() -> None:
    err = error('[[extensions]]\nnumber = 100\npassword = "x"\n')
    assert err.key == "extensions[0].number" and '"100"' in err.message


def test_unknown_key_suggests_the_close_one() -> None:
    err = error("[sip]\nprot = 5060\n")
    assert str(err) == "pbx.toml: sip.prot: unknown key; did you mean 'port'?"
    assert error("[rtp]\nport_mn = 2\n").message == "unknown key; did you mean 'port_min'?"
    assert error('[[extensions]]\nnumber = "10"\npasword = "x"\n').key == (
        "extensions[0].pasword")


def test_unknown_key_without_close_match_lists_the_valid_ones() -> None:
    err = error("[zzz]\n")
    assert err.key == "zzz"
    assert "'sip'" in err.message and "'extensions'" in err.message


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ('[sip]\nport = "5060"\n', "sip.port", "expected an integer, got a string"),
    ("[sip]\nport = true\n", "sip.port", "expected an integer, got a boolean"),
    ("[sip]\nport = 70000\n", "sip.port", "70000 is out of range 0-65535"),
    ("[sip]\nport = -1\n", "sip.port", "out of range"),
    ('[sip]\nhost = "localhost"\n', "sip.host", "not an IP address"),
    ('[sip]\ntransports = ["udp", "sctp"]\n', "sip.transports[1]", "'sctp'"),
    ("[sip]\ntransports = []\n", "sip.transports", "at least one"),
    ('[sip]\ntransports = ["udp", "udp"]\n', "sip.transports", "twice"),
    ('[sip]\nhost = "0.0.0.0"\n', "sip.public_address", "required when host is 0.0.0.0"),
    ('[sip]\nrealm = "a\\"b"\n', "sip.realm", "quotes"),
    ("[sip]\nflow_timer = 9\n", "sip.flow_timer", "out of range 10-86400"),
    ("[sip]\nflow_timer = 86401\n", "sip.flow_timer", "out of range"),
    ("[sip]\nmin_se = 0\n", "sip.min_se", "out of range 1-86400"),
    ("[sip]\nsession_expires = 60\n", "sip.session_expires", "below min_se (90)"),
    ("[sip]\nsession_expires = -1\n", "sip.session_expires", "out of range"),
    ('[sip]\nmd5_only_user_agents = [""]\n', "sip.md5_only_user_agents[0]", "non-empty"),
    ('[sip]\ntls_verify_phones = "no"\n', "sip.tls_verify_phones", "expected a boolean"),
    ('[sip]\ntls_ca = "missing.pem"\n', "sip.tls_ca", "file not found"),
    ("sip = 5\n", "sip", "expected a table, got an integer"),
    ("[rtp]\nport_min = 30000\nport_max = 20001\n", "rtp.port_min", "greater than port_max"),
    ("[rtp]\nport_min = 20001\n", "rtp.port_min", "must be even"),
    ("[rtp]\nport_max = 20998\n", "rtp.port_max", "odd count"),
    ("[rtp]\nport_max = 99999\n", "rtp.port_max", "out of range"),
    ("[security]\nban_window = 0\n", "security.ban_window", "greater than 0"),
    ('[security]\nban_seconds = "5m"\n', "security.ban_seconds", "expected a number"),
    ("[security]\nmin_register_expires = 4000\n", "security.min_register_expires",
     "greater than max_register_expires"),
    ("[security]\ndefault_register_expires = 30\n", "security.default_register_expires",
     "outside"),
    ("extensions = 3\n", "extensions", "array of tables"),
    ('[[extensions]]\nname = "x"\npassword = "x"\n', "extensions[0].number", "missing"),
    ('[[extensions]]\nnumber = "10"\n', "extensions[0].password", "missing"),
    ('[[extensions]]\nnumber = "10"\npassword = ""\n', "extensions[0].password", "empty"),
    ('[[extensions]]\nnumber = "10"\npassword = "x"\nrole = "root"\n', "extensions[0].role",
     "'root' is not one of 'user', 'reception', 'admin'"),
    ('[[extensions]]\nnumber = "10"\nha1_md5 = "abc"\n', "extensions[0].ha1_md5",
     "expected 32 hex digits"),
    ('[[extensions]]\nnumber = "10"\nha1_sha256 = "' + "g" * 64 + '"\n',
     "extensions[0].ha1_sha256", "hex digits"),
    ('[[extensions]]\nnumber = "10"\npassword = "x"\nha1_md5 = "' + "a" * 32 + '"\n',
     "extensions[0].ha1_md5", "not both"),
])
def test_invalid_values_name_the_key(text: str, key: str, fragment: str) -> None:
    err = error(text)
    assert err.key == key
    assert fragment in err.message
    assert str(err).startswith(f"pbx.toml: {key}: ")


def test_wildcard_host_with_public_address_is_accepted() -> None:
    config = parse_config('[sip]\nhost = "0.0.0.0"\npublic_address = "pbx.example.com"\n'
                          '[rtp]\nhost = "0.0.0.0"\n', "p")
    assert config.sip.public_address == "pbx.example.com"


def test_duplicate_extension_names_both_indexes() -> None:
    err = error(EXT.format(n="100") + EXT.format(n="101") + EXT.format(n="100"))
    assert err.key == "extensions[2].number"
    assert "'100'" in err.message and "extensions[0]" in err.message


def test_invalid_toml_reports_line_and_column() -> None:
    err = error("[sip]\nport = 5060\nhost = \n")
    assert err.key == "<syntax>"
    assert "line 3" in err.message and "column" in err.message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: <file>: file not found"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[[extensions]]\nnumber = "10"\nname = "M\xfcller"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "<file>" and "UTF-8" in info.value.message


def test_digest_algorithm_order_is_configurable_and_checked() -> None:
    base = '[[extensions]]\nnumber = "100"\npassword = "x"\n'
    assert parse_config(base, "p.toml").sip.digest_algorithms == ("SHA-256", "MD5")
    md5_first = parse_config('[sip]\ndigest_algorithms = ["MD5", "SHA-256"]\n' + base, "p.toml")
    assert md5_first.sip.digest_algorithms == ("MD5", "SHA-256")
    with pytest.raises(ConfigError) as err:
        parse_config('[sip]\ndigest_algorithms = ["SHA-1"]\n' + base, "p.toml")
    assert "sip.digest_algorithms" in str(err.value)


def test_ring_group_mistakes_name_the_key() -> None:
    base = '[[extensions]]\nnumber = "101"\npassword = "x"\n'
    cases = {
        '[[ring_groups]]\nnumber = "200"\nmembers = ["105"]\n': "ring_groups[0].members[0]",
        '[[ring_groups]]\nnumber = "101"\nmembers = ["101"]\n': "ring_groups[0].number",
        '[[ring_groups]]\nnumber = "200"\nmembers = ["101"]\nstrategy = "random"\n':
            "ring_groups[0].strategy",
        '[[ring_groups]]\nnumber = "200"\nmembers = ["101"]\nno_answer = "999"\n':
            "ring_groups[0].no_answer",
    }
    for text, key in cases.items():
        with pytest.raises(ConfigError) as err:
            parse_config(base + text, "p.toml")
        assert f"p.toml: {key}:" in str(err.value)


def test_outbound_and_digest_agent_defaults() -> None:
    sip = parse_config('[[extensions]]\nnumber = "100"\npassword = "x"\n', "p.toml").sip
    assert sip.flow_timer == 120 and sip.tls_verify_phones is False and sip.tls_ca is None
    assert sip.md5_only_user_agents == ("baresip v0.", "baresip v1.")
