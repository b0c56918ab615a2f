"""[[doors]] in the PBX configuration: a good door loads with its account and rights, and
every mistake names the file, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from softphone.pbx.config import ConfigError, parse_config
from softphone.pbx.daemon import main
from softphone.pbx.doors import Door

USERS = """
[[extensions]]
number = "100"
name = "Empfang"
password = "pw100"
role = "reception"

[[extensions]]
number = "101"
name = "Vertrieb"
password = "pw101"

[[extensions]]
number = "102"
name = "Chefin"
password = "pw102"
role = "admin"
"""
GOOD = """
[[doors]]
number = "150"
name = "Haustür"
password = "door150"
department = "Empfang"
video_url = "http://192.0.2.10/video.mjpg"
snapshot_url = "http://192.0.2.10/snapshot.jpg"
relay_url = "https://192.0.2.10/relay/open"
relay_user = "door"
relay_password = "opensesame"
dtmf_code = "*1"
open_roles = ["reception", "admin"]
open_users = ["101"]
direct_video = true
"""
MINIMAL = '[[doors]]\nnumber = "150"\nname = "Haustür"\npassword = "door150"\n'
GROUP = '[[ring_groups]]\nnumber = "{n}"\nname = "Team"\nmembers = ["100"]\n'


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(USERS + text, "pbx.toml")
    return info.value


def test_a_good_door_with_its_account_and_who_may_open_it() -> None:
    config = parse_config(USERS + GOOD, "pbx.toml")
    door = config.door("150")
    assert door == Door(
        "150", "Haustür", "Empfang", "http://192.0.2.10/video.mjpg",
        "http://192.0.2.10/snapshot.jpg", "https://192.0.2.10/relay/open", "door",
        "opensesame", "*1", ("reception", "admin"), ("101",), direct_video=True)
    account = config.extension("150")
    assert account is not None and (account.role, account.display_name) == ("door", "Haustür")
    assert [ext.number for ext in config.users()] == ["100", "101", "102"]
    may = {n: door.may_open(ext) for n, ext in config.extensions.items()}
    assert may == {"100": True, "101": True, "102": True, "150": False}


def test_a_minimal_door_opens_for_nobody() -> None:
    config = parse_config(USERS + MINIMAL, "pbx.toml")
    door = config.door("150")
    assert door is not None and door.relay_url is None and door.video_url is None
    assert not any(door.may_open(ext) for ext in config.extensions.values())


def replace(key: str, value: str | None) -> str:
    """GOOD with ``key`` set to the TOML ``value`` (None: left out)."""
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    if value is not None:
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "key", "fragment"), [
    (replace("password", None), "doors[0].password", "missing"),
    (replace("password", '""'), "doors[0].password", "must not be empty"),
    (replace("relay_url", '"ftp://192.0.2.10/open"'), "doors[0].relay_url",
     "is not an http:// or https:// URL"),
    (replace("video_url", '"192.0.2.10/video.mjpg"'), "doors[0].video_url",
     "is not an http:// or https:// URL"),
    (replace("relay_url", '"http://door:secret@192.0.2.10/relay/open"'), "doors[0].relay_url",
     "put credentials in relay_user/relay_password"),
    (replace("relay_password", None), "doors[0].relay_password",
     "give relay_user and relay_password together"),
    (replace("relay_user", None), "doors[0].relay_user",
     "give relay_user and relay_password together"),
    (replace("relay_url", None), "doors[0].relay_url", "no relay_url"),
    (replace("open_roles", '["admin", "boss"]'), "doors[0].open_roles[1]",
     "'boss' is not one of 'user', 'reception', 'admin'"),
    (replace("open_roles", '["door"]'), "doors[0].open_roles[0]", "'door' is not one of"),
    (replace("open_users", '["101", "199"]'), "doors[0].open_users[1]",
     "'199' is not an extension"),
    (replace("dtmf_code", '"*1x"'), "doors[0].dtmf_code", "is not 1-16 DTMF keys"),
    (replace("number", '"1"'), "doors[0].number", "is not a number of 2-6 digits"),
    (replace("number", '"101"'), "doors[0].number", "'101' is already taken"),
    (GOOD + replace("name", '"Hoftor"'), "doors[1].number", "'150' is already taken"),
    (replace("video_url", None), "doors[0].direct_video", "needs video_url"),
    (replace("direct_video", '"yes"'), "doors[0].direct_video", "expected a boolean"),
    (replace("relay_port", "80"), "doors[0].relay_port", "unknown key; did you mean"),
])
def test_door_mistakes_name_file_key_and_problem(text: str, key: str, fragment: str) -> None:
    err = error(text)
    assert (err.file, err.key) == ("pbx.toml", key), str(err)
    assert fragment in err.message, str(err)
    assert str(err).startswith(f"pbx.toml: {key}: ")


def test_a_ring_group_cannot_take_a_door_number() -> None:
    err = error(MINIMAL + GROUP.format(n="150"))
    assert err.file == "pbx.toml" and err.key == "ring_groups[0].number", str(err)
    assert "150" in err.message


def test_doors_must_be_an_array_of_tables() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('doors = "150"\n' + USERS, "pbx.toml")     # a top-level key
    err = info.value
    assert (err.key, err.message) == ("doors", "expected an array of tables ([[doors]])")


def test_check_config_counts_the_doors_apart_from_the_extensions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pbx.toml"
    path.write_text(USERS + GOOD, encoding="utf-8")
    assert main(["--check-config", str(path)]) == 0
    assert capsys.readouterr().out == (f"{path}: OK, 3 extensions, 0 ring groups, 1 door, "
                                       "0 conference rooms\n")
    path.write_text(USERS + replace("open_users", '["199"]'), encoding="utf-8")
    assert main(["--check-config", str(path)]) == 2
    assert capsys.readouterr().err == (f"softphone-pbx: {path}: doors[0].open_users[0]: "
                                       "'199' is not an extension\n")
