"""Typed user settings, persisted in an INI file through QSettings.

The file lives in the user's config directory (``~/.config/softphone/softphone.ini`` on
Linux) unless a path is given, which is what tests do. Passwords never go here: they are
the CredentialStore's business (credentials.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

TRANSPORTS = ("udp", "tcp", "tls")
LANGUAGES = ("system", "de", "en")
PASSWORD_STORAGES = ("keyring", "none", "file")
DEFAULT_API_PORT = 8080


def default_config_dir() -> Path:
    """The directory for settings, call history and (if chosen) the password file."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base or Path.home() / ".config") / "softphone"


@dataclass
class AccountSettings:
    display_name: str
    user: str
    server: str                    # host or host:port
    transport: str = "udp"         # "udp" | "tcp" | "tls"


class Settings:
    """The user's settings; every setter writes through to the INI file (sync() flushes)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = Path(path) if path is not None else default_config_dir() / "softphone.ini"
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self._path), QSettings.Format.IniFormat)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def config_dir(self) -> Path:
        """Where the settings file is: the call history and password file go beside it."""
        return self._path.parent

    # -- account --------------------------------------------------------------------------

    @property
    def account(self) -> AccountSettings | None:
        user = self._str("account/user")
        server = self._str("account/server")
        if not user or not server:
            return None
        transport = self._str("account/transport") or "udp"
        return AccountSettings(
            display_name=self._str("account/display_name") or "",
            user=user,
            server=server,
            transport=transport if transport in TRANSPORTS else "udp",
        )

    @account.setter
    def account(self, value: AccountSettings | None) -> None:
        if value is None:
            self._qs.remove("account")
            return
        if value.transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, not {value.transport!r}")
        self._qs.setValue("account/display_name", value.display_name)
        self._qs.setValue("account/user", value.user)
        self._qs.setValue("account/server", value.server)
        self._qs.setValue("account/transport", value.transport)

    # -- audio devices (None: the system default) -------------------------------------------

    @property
    def audio_input(self) -> str | None:
        return self._str("audio/input")

    @audio_input.setter
    def audio_input(self, value: str | None) -> None:
        self._set_optional("audio/input", value)

    @property
    def audio_output(self) -> str | None:
        return self._str("audio/output")

    @audio_output.setter
    def audio_output(self, value: str | None) -> None:
        self._set_optional("audio/output", value)

    @property
    def audio_ringer(self) -> str | None:
        return self._str("audio/ringer")

    @audio_ringer.setter
    def audio_ringer(self, value: str | None) -> None:
        self._set_optional("audio/ringer", value)

    # -- the PBX's client API (contacts, presence, favorites) --------------------------------

    @property
    def api_port(self) -> int:
        """TCP port of the client API on the account's server (default 8080)."""
        value = self._qs.value("pbx/api_port", DEFAULT_API_PORT)
        try:
            port = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DEFAULT_API_PORT
        return port if 0 < port < 65536 else DEFAULT_API_PORT

    @api_port.setter
    def api_port(self, value: int) -> None:
        if not 0 < int(value) < 65536:
            raise ValueError(f"api_port must be 1-65535, not {value!r}")
        self._qs.setValue("pbx/api_port", int(value))

    @property
    def api_tls(self) -> bool:
        """Whether the client API is spoken over HTTPS."""
        return bool(self._qs.value("pbx/api_tls", False, type=bool))

    @api_tls.setter
    def api_tls(self, value: bool) -> None:
        self._qs.setValue("pbx/api_tls", bool(value))

    # -- general ------------------------------------------------------------------------------

    @property
    def language(self) -> str:
        value = self._str("general/language")
        return value if value in LANGUAGES else "system"

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {value!r}")
        self._qs.setValue("general/language", value)

    @property
    def start_minimized(self) -> bool:
        return bool(self._qs.value("general/start_minimized", False, type=bool))

    @start_minimized.setter
    def start_minimized(self, value: bool) -> None:
        self._qs.setValue("general/start_minimized", bool(value))

    @property
    def password_storage(self) -> str:
        value = self._str("account/password_storage")
        return value if value in PASSWORD_STORAGES else "keyring"

    @password_storage.setter
    def password_storage(self, value: str) -> None:
        if value not in PASSWORD_STORAGES:
            raise ValueError(f"password_storage must be one of {PASSWORD_STORAGES}")
        self._qs.setValue("account/password_storage", value)

    # -- calls --------------------------------------------------------------------------------

    @property
    def call_waiting(self) -> bool:
        """A second call may ring during a call (off: it is rejected busy, 486)."""
        return bool(self._qs.value("calls/call_waiting", True, type=bool))

    @call_waiting.setter
    def call_waiting(self, value: bool) -> None:
        self._qs.setValue("calls/call_waiting", bool(value))

    @property
    def knock_tone(self) -> bool:
        """The knock in the headset while a call waits."""
        return bool(self._qs.value("calls/knock_tone", True, type=bool))

    @knock_tone.setter
    def knock_tone(self, value: bool) -> None:
        self._qs.setValue("calls/knock_tone", bool(value))

    def sync(self) -> None:
        self._qs.sync()
        if self._qs.status() != QSettings.Status.NoError:
            raise OSError(f"cannot write settings to {self._path}: {self._qs.status().name}")

    # -- helpers --------------------------------------------------------------------------------

    def _str(self, key: str) -> str | None:
        value = self._qs.value(key)
        if value is None or value == "":
            return None
        return str(value)

    def _set_optional(self, key: str, value: str | None) -> None:
        if value:
            self._qs.setValue(key, value)
        else:
            self._qs.remove(key)
