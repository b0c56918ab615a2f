"""Where the SIP password is kept: the system keyring, nowhere, or a file the user named.

The password goes to the system keyring (Secret Service, KWallet, macOS Keychain, Windows
Credential Locker) through `keyring`. Where no keyring backend exists, the user is told so
and chooses between not storing it (asked at each start) and an explicitly named plaintext
file (mode 0600). There is never a silent plaintext fallback: asking for "keyring" without
a usable keyring raises KeyringUnavailableError; keyring backends that are not secure
(keyrings.alt's file backends, the null backend) count as "no keyring".
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backends import chainer, fail

from softphone.gui.settings import PASSWORD_STORAGES, Settings

SERVICE = "softphone"
# keyring's own line: backends with priority >= 1 are "recommended"; below are the null,
# fail and the insecure keyrings.alt plaintext/"encrypted" file backends.
MIN_PRIORITY = 1


class CredentialError(RuntimeError):
    """The password could not be stored or removed; the message says why."""


class KeyringUnavailableError(CredentialError):
    pass


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:  # a backend whose viability check fails (no D-Bus, ...) is not viable
        return -1.0


def backend_usable(backend: object) -> bool:
    """True if `backend` really stores secrets (not fail/null, not an empty chainer)."""
    if backend is None or isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_priority(b) >= MIN_PRIORITY for b in backend.backends)
    return _priority(backend) >= MIN_PRIORITY


class CredentialStore:
    def __init__(
        self, settings: Settings, plaintext_path: Path, keyring_backend: object | None = None
    ) -> None:
        self._settings = settings
        self._plaintext_path = Path(plaintext_path)
        self._backend = keyring_backend

    @property
    def plaintext_path(self) -> Path:
        return self._plaintext_path

    def _keyring(self) -> Any:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def keyring_available(self) -> bool:
        return backend_usable(self._keyring())

    @staticmethod
    def _key(user: str, server: str) -> str:
        return f"{user}@{server}"

    def get_password(self, user: str, server: str) -> str | None:
        """The stored password, or None (not stored, or the store cannot be read)."""
        mode = self._settings.password_storage
        if mode == "keyring":
            if not self.keyring_available():
                return None
            try:
                return self._keyring().get_password(SERVICE, self._key(user, server))
            except keyring.errors.KeyringError:
                return None
        if mode == "file":
            return self._read_file().get(self._key(user, server))
        return None

    def set_password(self, user: str, server: str, password: str, mode: str) -> None:
        """Store the password the way `mode` says and remember the mode in the settings.

        The other stores are cleared of this account's password, so switching from the
        file to the keyring leaves no plaintext copy behind.
        """
        if mode not in PASSWORD_STORAGES:
            raise ValueError(f"mode must be one of {PASSWORD_STORAGES}, not {mode!r}")
        key = self._key(user, server)
        if mode == "keyring":
            if not self.keyring_available():
                raise KeyringUnavailableError(
                    "no system keyring is available; choose not to store the password "
                    "or name a plaintext file"
                )
            try:
                self._keyring().set_password(SERVICE, key, password)
            except keyring.errors.KeyringError as exc:
                raise CredentialError(f"the system keyring refused the password: {exc}") from exc
            self._remove_from_file(key)
        elif mode == "file":
            entries = self._read_file()
            entries[key] = password
            self._write_file(entries)
            self._remove_from_keyring(key)
        else:
            self._remove_from_file(key)
            self._remove_from_keyring(key)
        self._settings.password_storage = mode
        self._settings.sync()

    def forget(self, user: str, server: str) -> None:
        """Remove the account's password from every store."""
        key = self._key(user, server)
        self._remove_from_keyring(key)
        self._remove_from_file(key)

    # -- keyring ------------------------------------------------------------------------------

    def _remove_from_keyring(self, key: str) -> None:
        if not self.keyring_available():
            return
        with contextlib.suppress(keyring.errors.PasswordDeleteError, keyring.errors.KeyringError):
            self._keyring().delete_password(SERVICE, key)

    # -- plaintext file: {"user@server": "password"} as JSON, 0600 ------------------------------

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(self._plaintext_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CredentialError(f"cannot read {self._plaintext_path}: {exc}") from exc
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _write_file(self, entries: dict[str, str]) -> None:
        path = self._plaintext_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written to a 0600 temporary beside it and renamed: the password is never
            # readable by others, not even for a moment, and a crash leaves the old file.
            # (mkstemp creates it 0600.)
            fd, tmp = tempfile.mkstemp(prefix=".pw-", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(entries, fh)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            os.chmod(path, 0o600)
        except OSError as exc:
            raise CredentialError(f"cannot write {path}: {exc}") from exc

    def _remove_from_file(self, key: str) -> None:
        if not self._plaintext_path.exists():
            return
        entries = self._read_file()
        if entries.pop(key, None) is None:
            return
        if entries:
            self._write_file(entries)
        else:
            try:
                self._plaintext_path.unlink()
            except OSError as exc:
                raise CredentialError(f"cannot remove {self._plaintext_path}: {exc}") from exc
