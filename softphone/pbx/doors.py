"""Door stations in the configuration: `[[doors]]` tables, validated like the rest.

    [[doors]]
    number = "150"                  # 2-6 digits: the door's SIP user name and extension
    name = "Haustür"
    password = "door150"            # or ha1_md5 / ha1_sha256, as for extensions
    department = "Empfang"          # optional, shown in the directory
    video_url = "http://192.0.2.10/video.mjpg"       # optional: the camera (MJPEG)
    snapshot_url = "http://192.0.2.10/snapshot.jpg"  # optional
    relay_url = "http://192.0.2.10/relay/open"       # optional: POST opens the door
    relay_user = "door"                              # Basic credentials of the relay
    relay_password = "opensesame"
    dtmf_code = "*1"                # optional: what the door station opens on in a call
    open_roles = ["admin", "reception"]   # roles whose users may open it
    open_users = ["103"]                  # and these extensions, whatever their role
    direct_video = false            # true: clients also get video_url itself (same LAN)

A door registers like a phone, so it is also an Extension with role "door"; it never
signs in to the client API. The relay credentials stay in the PBX: clients open the door
and watch the camera only through the PBX (DESIGN.md, "Door stations").
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softphone.pbx.config import Extension, _Validator

DOOR_ROLE = "door"
_DTMF = re.compile(r"[0-9*#A-Da-d]{1,16}")
KEYS = ("number", "name", "password", "ha1_md5", "ha1_sha256", "department", "video_url",
        "snapshot_url", "relay_url", "relay_user", "relay_password", "dtmf_code", "open_roles",
        "open_users", "direct_video")


@dataclass(frozen=True)
class Door:
    number: str
    name: str
    department: str = ""
    video_url: str | None = None
    snapshot_url: str | None = None
    relay_url: str | None = None
    relay_user: str | None = None
    relay_password: str | None = None
    dtmf_code: str | None = None
    open_roles: tuple[str, ...] = ()
    open_users: tuple[str, ...] = ()
    direct_video: bool = False

    def may_open(self, ext: Extension) -> bool:
        """Does this door let ``ext`` open it (by role or by name)?"""
        return ext.role != DOOR_ROLE and (ext.number in self.open_users
                                          or ext.role in self.open_roles)


def parse_doors(v: _Validator, entries: object, extensions: dict[str, Extension],
                realm: str, roles: tuple[str, ...]) -> tuple[dict[str, Door], list[Extension]]:
    """The doors, and the Extension each registers as (for the caller to add)."""
    from softphone.pbx.config import Extension

    if not isinstance(entries, list):
        raise v.fail("doors", "expected an array of tables ([[doors]])")
    doors: dict[str, Door] = {}
    accounts: list[Extension] = []
    for index, entry in enumerate(entries):
        p = f"doors[{index}]."
        if not isinstance(entry, dict):
            raise v.fail(p[:-1], "expected a table")
        v.known_keys(entry, p, KEYS)
        door = _door(v, entry, p, extensions, roles)
        if door.number in extensions or door.number in doors:
            raise v.fail(p + "number", f"'{door.number}' is already taken")
        password, md5, sha256 = v.credentials(entry, p, door.number, realm)
        doors[door.number] = door
        accounts.append(Extension(door.number, door.name, password, md5, sha256, DOOR_ROLE,
                                  door.department, call_waiting=False))
    return doors, accounts


def _door(v: _Validator, t: dict[str, Any], p: str, extensions: dict[str, Extension],
          roles: tuple[str, ...]) -> Door:
    number = v.get(t, "number", p, str, "")
    if not re.fullmatch(r"[0-9]{2,6}", number):
        raise v.fail(p + "number", f"'{number}' is not a number of 2-6 digits")
    urls = {key: _url(v, t, key, p) for key in ("video_url", "snapshot_url", "relay_url")}
    relay_user = v.get(t, "relay_user", p, str, "") or None
    relay_password = v.get(t, "relay_password", p, str, "") or None
    if (relay_user is None) != (relay_password is None):
        missing = "relay_password" if relay_password is None else "relay_user"
        raise v.fail(p + missing, "missing: give relay_user and relay_password together")
    if relay_user is not None and urls["relay_url"] is None:
        raise v.fail(p + "relay_url", "missing: relay credentials are given but no relay_url")
    code = v.get(t, "dtmf_code", p, str, "") or None
    if code is not None and not _DTMF.fullmatch(code):
        raise v.fail(p + "dtmf_code", f"{code!r} is not 1-16 DTMF keys (0-9, *, #, A-D)")
    open_roles = v.get(t, "open_roles", p, list, [])
    for i, role in enumerate(open_roles):
        if role not in roles:
            raise v.fail(f"{p}open_roles[{i}]", f"{role!r} is not one of " +
                         ", ".join(f"'{r}'" for r in roles))
    open_users = v.get(t, "open_users", p, list, [])
    for i, user in enumerate(open_users):
        if user not in extensions:
            raise v.fail(f"{p}open_users[{i}]", f"{user!r} is not an extension")
    direct = v.get(t, "direct_video", p, bool, False)
    if direct and urls["video_url"] is None:
        raise v.fail(p + "direct_video", "needs video_url")
    return Door(number=number, name=v.get(t, "name", p, str, number).strip() or number,
                department=v.get(t, "department", p, str, ""),
                video_url=urls["video_url"], snapshot_url=urls["snapshot_url"],
                relay_url=urls["relay_url"], relay_user=relay_user,
                relay_password=relay_password, dtmf_code=code,
                open_roles=tuple(open_roles), open_users=tuple(open_users), direct_video=direct)


def _url(v: _Validator, t: dict[str, Any], key: str, p: str) -> str | None:
    if key not in t:
        return None
    value = v.get(t, key, p, str, "")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise v.fail(p + key, f"{value!r} is not an http:// or https:// URL")
    if parts.username or parts.password:
        raise v.fail(p + key, "put credentials in relay_user/relay_password, not in the URL")
    return value
