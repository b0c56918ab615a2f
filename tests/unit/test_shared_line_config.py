"""[[shared_lines]] in the PBX configuration: the demo line is the issue's, and every
mistake names the file, the key and what is wrong."""

from __future__ import annotations

import pytest

from softphone.pbx.config import ConfigError, load_config, parse_config
from softphone.pbx.sharedlines import SharedLine

USERS = """
[[extensions]]
number = "100"
password = "pw100"

[[extensions]]
number = "102"
password = "pw102"

[[ring_groups]]
number = "200"
members = ["100"]

[[conferences]]
number = "300"
access = "open"
"""


def line_toml(**keys: object) -> str:
    values = {"number": '"250"', "name": '"Geschäftsführung"', "members": '["100", "102"]'}
    values.update({k: str(v) for k, v in keys.items()})
    body = "".join(f"{k} = {v}\n" for k, v in values.items() if v != "None")
    return USERS + "[[shared_lines]]\n" + body


def error(**keys: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(line_toml(**keys), "pbx.toml")
    return info.value


def test_the_demo_line_is_the_issues() -> None:
    config = load_config(None)
    assert config.shared_lines == {
        "250": SharedLine("250", "Geschäftsführung", ("100", "102"), barge_in=True,
                          warning_tone="repeat", warning_interval=30.0, appearances=4),
    }
    assert config.shared_line("250") is config.shared_lines["250"]


def test_defaults_and_a_busy_destination() -> None:
    line = parse_config(line_toml(busy='"200"'), "pbx.toml").shared_lines["250"]
    assert (line.barge_in, line.warning_tone, line.appearances, line.busy) == \
        (True, "once", 2, "200")


@pytest.mark.parametrize(("keys", "key", "message"), [
    ({"members": '["100", "105"]'}, "shared_lines[0].members[1]", "'105' is not an extension"),
    ({"members": "[]"}, "shared_lines[0].members", "needs at least one extension"),
    ({"appearances": 0}, "shared_lines[0].appearances", "0 is out of range 1-35"),
    ({"appearances": 36}, "shared_lines[0].appearances", "36 is out of range 1-35"),
    ({"warning_tone": '"beep"'}, "shared_lines[0].warning_tone",
     "'beep' is not one of 'none', 'once', 'repeat'"),
    ({"warning_interval": 2}, "shared_lines[0].warning_interval", "out of range 5-600"),
    ({"barge_in": '"yes"'}, "shared_lines[0].barge_in", "expected a boolean"),
    ({"number": '"25a"'}, "shared_lines[0].number", "not a number of 2-6 digits"),
    ({"number": '"100"'}, "shared_lines[0].number", "'100' is already taken"),
    ({"number": '"200"'}, "shared_lines[0].number", "'200' is already taken"),
    ({"number": '"300"'}, "shared_lines[0].number", "'300' is already taken"),
    ({"busy": '"999"'}, "shared_lines[0].busy", "neither an extension nor a ring group"),
    ({"barge": "true"}, "shared_lines[0].barge", "did you mean 'barge_in'?"),
])
def test_mistakes_name_file_key_and_problem(keys: dict[str, object], key: str,
                                            message: str) -> None:
    err = error(**keys)
    assert (err.file, err.key) == ("pbx.toml", key)
    assert message in err.message


def test_two_lines_cannot_share_a_number() -> None:
    text = line_toml() + '[[shared_lines]]\nnumber = "250"\nmembers = ["100"]\n'
    with pytest.raises(ConfigError, match=r"shared_lines\[1\]\.number: '250' is already taken"):
        parse_config(text, "pbx.toml")
