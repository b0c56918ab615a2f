"""The client API on loopback for tests: a fake presence, real stores, a real server.

FakePresence implements the PresenceService interface the API codes against
(softphone.pbx.features.presence); tests set states and fire updates by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from softphone.common.directory import Presence, PresenceUpdate
from softphone.pbx.api.app import ApiServer, create_api, tls_context
from softphone.pbx.api.calls import PickupResult
from softphone.pbx.api.userstore import UserStore
from softphone.pbx.config import PbxConfig, parse_config
from softphone.pbx.features.ban import BanList
from softphone.pbx.groupstore import GroupStore

SECRET = b"0123456789abcdef0123456789abcdef"
PASSWORDS = {"100": "anna-pw", "101": "bernd-pw", "102": "jo-pw", "200": "admin-pw"}
CONFIG = """
[[extensions]]
number = "100"
name = "Anna Müller"
password = "anna-pw"
department = "Sales"

[[extensions]]
number = "101"
name = "Bernd Schäfer"
password = "bernd-pw"
department = "Support"

[[extensions]]
number = "102"
name = "José Núñez"
password = "jo-pw"

[[extensions]]
number = "200"
name = "Reception"
password = "admin-pw"
role = "admin"
"""


def api_config(extra: str = "") -> PbxConfig:
    return parse_config(CONFIG + extra, "test.toml")


class FakePresence:
    def __init__(self, numbers: list[str]) -> None:
        self.states = dict.fromkeys(numbers, Presence.OFFLINE)
        self.listeners: list[Callable[[PresenceUpdate], None]] = []
        self.settings_changes: list[str] = []

    def presence(self, number: str) -> Presence:
        return self.states.get(number, Presence.OFFLINE)

    def snapshot(self) -> dict[str, Presence]:
        return dict(self.states)

    def subscribe(self, listener: Callable[[PresenceUpdate], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def settings_changed(self, number: str) -> None:
        self.settings_changes.append(number)

    def set(self, number: str, state: Presence, since: float | None = None) -> None:
        self.states[number] = state
        update = PresenceUpdate(number, state, time.time() if since is None else since)
        for listener in list(self.listeners):
            listener(update)


@dataclass
class ApiHarness:
    """Builds, starts and restarts ApiServers sharing one data directory."""

    data_dir: Path
    config: PbxConfig = field(default_factory=api_config)
    ban_failures: int = 1000
    tls: tuple[Path, Path] | None = None
    clock: Callable[[], float] = time.time
    presence: FakePresence = field(init=False)
    bans: BanList = field(init=False)
    users: UserStore | None = None
    groups: GroupStore | None = None
    server: ApiServer | None = None
    pickups: list[tuple[str, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.presence = FakePresence(list(self.config.extensions))
        self.bans = BanList(self.ban_failures, 60.0, 300.0, time.monotonic)

    def pickup(self, picker: str, number: str | None) -> PickupResult:
        """No calls here: the B2BUA's part is tested end to end (tests/e2e/test_pickup.py)."""
        self.pickups.append((picker, number))
        return PickupResult.NOTHING

    async def start(self) -> ApiServer:
        self.users = UserStore(self.data_dir / "users.sqlite3")
        self.groups = GroupStore(self.data_dir / "groups.sqlite3", self.config)
        app = create_api(self.config, self.presence, self.users, self.bans, SECRET,
                         self.clock, time.monotonic, pickup=self.pickup, groups=self.groups)
        ssl = tls_context(*self.tls) if self.tls else None
        self.server = ApiServer(app, "127.0.0.1", 0, ssl)
        await self.server.start()
        return self.server

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.users is not None:
            self.users.close()
            self.users = None
        if self.groups is not None:
            self.groups.close()
            self.groups = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url
