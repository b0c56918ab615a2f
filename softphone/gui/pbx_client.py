"""PbxClient: the PBX's client API over HTTP and the event WebSocket.

One worker thread (a QThread running an asyncio loop with one aiohttp session) does all the
network work, HTTP and WebSocket alike: login, token refresh, the directory, the event
stream and the user's requests share one session and one token, and a resynchronisation
(log in, load the directory, open the event stream, apply its snapshot) is one coroutine
whose steps cannot interleave with a reconnect. Results come up to the GUI thread only as a
queued Qt signal of a QObject that lives in the worker thread (pbx_worker.py); requests go
down with asyncio's call_soon_threadsafe. No QObject of the GUI is touched from the worker.

States: connecting -> connected; a lost connection goes back to connecting and reconnects
with backoff, then reloads the directory and applies the new snapshot. A server without
the API (connection refused before any success, or 404 on the API) is "unavailable": the
GUI shows local contacts, and the client asks again now and then, quietly. A refused
password is "auth_failed" and ends the attempts until connect_to() is called again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Slot

from softphone.gui.pbx_backend import DoorError, PbxBackend, PbxError, PbxState
from softphone.gui.pbx_worker import Worker

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)    # seconds between reconnects, the last repeats
UNAVAILABLE_RETRY = 300.0     # a server without our API is asked again this often
STOP_WAIT_MS = 3000


class PbxClient(PbxBackend):
    """The real PbxBackend. Favorites change at once here (optimistically); the PBX's
    answer, or its list after a failed request, settles them."""

    def __init__(self, parent: QObject | None = None, *, backoff: Sequence[float] = BACKOFF,
                 unavailable_retry: float = UNAVAILABLE_RETRY) -> None:
        super().__init__(parent)
        self._backoff = list(backoff)
        self._unavailable_retry = unavailable_retry
        self._worker: Worker | None = None
        self._generation = 0

    def connect_to(self, base_url: str, user: str, password: str) -> None:
        self._stop_worker()
        self._generation += 1
        self._set_state(PbxState.CONNECTING)
        worker = Worker(self._generation, base_url, user, password, backoff=self._backoff,
                         unavailable_retry=self._unavailable_retry, deliver=self._on_event)
        self._worker = worker
        worker.start()

    def _disconnect(self) -> None:
        self._stop_worker()
        self._generation += 1              # events still queued are dropped
        self._set_state(PbxState.DISCONNECTED)

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
            if not worker.wait(STOP_WAIT_MS):
                log.warning("PBX client worker did not stop in time")
                worker.terminate()
                worker.wait()

    def request_set_favorites(self, numbers: list[str]) -> None:
        self._request("set_favorites", list(numbers), optimistic=list(numbers))

    def request_add_favorite(self, number: str) -> None:
        self._request("add_favorite", number, optimistic=[*self.favorites, number])

    def request_remove_favorite(self, number: str) -> None:
        self._request("remove_favorite", number,
                      optimistic=[n for n in self.favorites if n != number])

    def request_settings_update(self, changes: dict[str, object]) -> None:
        self._request("settings", dict(changes))

    def request_open_door(self, number: str) -> None:
        if not self._submit_door("open_door", number):
            self.door_open_failed.emit(number, DoorError.NOT_CONNECTED.value, "")

    def request_door_video(self, number: str) -> None:
        if not self._submit_door("door_video", number):
            self.door_video_failed.emit(number, DoorError.NOT_CONNECTED.value, "")

    def request_conference(self, number: str, action: tuple[str, str] | None = None) -> None:
        self._request("conference", (number, action))

    def _submit_door(self, op: str, number: str) -> bool:
        return (self.state == PbxState.CONNECTED and self._worker is not None
                and self._worker.submit(op, number))

    def _request(self, op: str, arg: object, optimistic: list[str] | None = None) -> None:
        if self.state != PbxState.CONNECTED or self._worker is None:
            self.error.emit(PbxError.NOT_CONNECTED.value, op)
            return
        if not self._worker.submit(op, arg):
            self.error.emit(PbxError.NOT_CONNECTED.value, op)
            return
        if optimistic is not None:
            self._set_favorites(optimistic)

    @Slot(int, str, object)
    def _on_event(self, generation: int, kind: str, payload: object) -> None:
        if generation != self._generation:
            return                          # from a worker already replaced or stopped
        if kind == "state":
            assert isinstance(payload, PbxState)
            self._set_state(payload)
        elif kind == "directory":
            self._set_directory(payload)  # type: ignore[arg-type]
        elif kind == "presence":
            self._apply_presence(payload)  # type: ignore[arg-type]
        elif kind == "favorites":
            self._set_favorites(payload)  # type: ignore[arg-type]
        elif kind == "settings":
            self._set_settings(payload)  # type: ignore[arg-type]
        elif kind == "door_opened":
            number, seconds = payload  # type: ignore[misc]
            self.door_opened.emit(number, seconds)
        elif kind == "door_open_failed":
            self.door_open_failed.emit(*payload)  # type: ignore[misc]
        elif kind == "door_video_link":
            number, link = payload  # type: ignore[misc]
            self.door_video_link.emit(number, link)
        elif kind == "door_video_failed":
            self.door_video_failed.emit(*payload)  # type: ignore[misc]
        elif kind == "conference":
            self.conference_event.emit(payload)
        elif kind == "conference_room":
            self.conference_room.emit(payload)
        elif kind == "conference_count":
            room, count = payload  # type: ignore[misc]
            self.conference_count_changed.emit(room, count)
        elif kind == "error":
            code, detail = payload  # type: ignore[misc]
            self.error.emit(str(code.value if isinstance(code, PbxError) else code), detail)
