"""Checking a parsed TOML configuration: the primitives every section's validator uses.

Every mistake becomes a ConfigError naming the file, the key (``sip.port``,
``extensions[2].number``) and what is wrong. softphone/pbx/config.py, doors.py and
ringgroups.py build their sections on this.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from pathlib import Path
from typing import Any, TypeVar

DEMO_SOURCE = "<demo>"
_NUMBER = re.compile(r"[0-9]{2,6}")
_T = TypeVar("_T")


class ConfigError(Exception):
    """A configuration mistake: ``str(err)`` is ``"{file}: {key}: {message}"``."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}")
        self.file = file
        self.key = key
        self.message = message


def describe(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class Validator:
    """Walks the parsed TOML once; each check raises at the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.source, key, message)

    def table(self, data: dict[str, Any], key: str, prefix: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(prefix + key, f"expected a table, got {describe(value)}")
        return value

    def known_keys(self, table: dict[str, Any], prefix: str, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "expected one of " + ", ".join(
                f"'{name}'" for name in allowed)
            raise self.fail(prefix + key, f"unknown key; {hint}")

    def get(self, table: dict[str, Any], key: str, prefix: str, kind: type[_T],
            default: _T) -> _T:
        value = table.get(key, default)
        # bool is a subclass of int in Python but never a sensible port or count.
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self.fail(prefix + key, f"expected {describe(kind())}, got {describe(value)}")
        return value

    def ranged(self, table: dict[str, Any], key: str, prefix: str, default: int,
               low: int, high: int) -> int:
        value = self.get(table, key, prefix, int, default)
        if not low <= value <= high:
            raise self.fail(prefix + key, f"{value} is out of range {low}-{high}")
        return value

    def positive(self, table: dict[str, Any], key: str, prefix: str, default: float) -> float:
        value = self.get(table, key, prefix, float, default)
        if not value > 0:
            raise self.fail(prefix + key, f"{value} must be greater than 0")
        return value

    def number(self, table: dict[str, Any], prefix: str) -> str:
        """``number``: 2-6 digits, as a string (a ring group's, a shared line's)."""
        number = self.get(table, "number", prefix, str, "")
        if not _NUMBER.fullmatch(number):
            raise self.fail(prefix + "number", f"'{number}' is not a number of 2-6 digits")
        return number

    def members(self, table: dict[str, Any], prefix: str, extensions: set[str]) -> list[str]:
        """``members``: at least one, each an extension."""
        members = self.get(table, "members", prefix, list, [])
        if not members:
            raise self.fail(prefix + "members", "needs at least one extension")
        for i, member in enumerate(members):
            if member not in extensions:
                raise self.fail(f"{prefix}members[{i}]", f"'{member}' is not an extension")
        return members

    def address(self, value: str, key: str) -> None:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise self.fail(key, f"'{value}' is not an IP address") from None

    def tls_file(self, t: dict[str, Any], key: str, p: str) -> Path | None:
        if key not in t:
            return None
        value = self.get(t, key, p, str, "")
        if not value:
            raise self.fail(p + key, "must not be empty")
        path = Path(value)
        if not path.is_absolute() and self.source != DEMO_SOURCE:
            path = Path(self.source).parent / path
        if not path.is_file():
            raise self.fail(p + key, f"file not found: {path}")
        return path
