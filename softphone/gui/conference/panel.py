"""The participant panel of a conference call: who is in the room, who talks, who is
muted; mute oneself; administrators also mute or remove a participant, mute everyone and
lock the room.

It shows what the PBX says: a room as GET /conferences/{number} gives it (set_room), then
the room's events (apply: join, leave, mute, lock, talking). Muting oneself keys `*6` into
the call, so the room mutes (and everyone sees it), not only the microphone. Requests go
down as signals; the controller (calls.py) passes them to the engine and the PBX.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

PID_ROLE = Qt.ItemDataRole.UserRole + 1


class ParticipantPanel(QWidget):
    """self_mute_requested(); action_requested(method, sub_path) for administrators."""

    self_mute_requested = Signal()
    action_requested = Signal(str, str)

    def __init__(self, me: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.me = me
        self.room: dict[str, Any] = {}
        self.people: dict[str, dict[str, Any]] = {}     # by participant id, in join order
        self.title = QLabel()
        self.list = QListWidget()
        self.self_mute_button = QPushButton()
        self.mute_button = QPushButton()
        self.remove_button = QPushButton()
        self.mute_all_button = QPushButton()
        self.lock_button = QPushButton()
        self.admin_buttons = (self.mute_button, self.remove_button, self.mute_all_button,
                              self.lock_button)
        buttons = QHBoxLayout()
        for button in (self.self_mute_button, *self.admin_buttons):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.self_mute_button.clicked.connect(self.self_mute_requested)
        self.mute_button.clicked.connect(self._mute_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.mute_all_button.clicked.connect(lambda: self.action_requested.emit("PUT", "mute"))
        self.lock_button.clicked.connect(
            lambda: self.action_requested.emit("DELETE" if self.locked else "PUT", "lock"))
        self.set_room({})

    @property
    def admin(self) -> bool:
        """May moderate: an administrator (the PBX shows a room's settings to them only)
        or a moderator in the room (entered the moderator PIN)."""
        return "settings" in self.room or any(
            p.get("moderator") for p in self.people.values() if p.get("number") == self.me)

    @property
    def locked(self) -> bool:
        return bool(self.room.get("locked"))

    def set_room(self, room: dict[str, Any]) -> None:
        self.room = dict(room)
        self.people = {str(p["id"]): dict(p) for p in room.get("participants", [])}
        self._show()

    def apply(self, event: dict[str, Any]) -> None:
        """One of the room's events (the PBX's conference event, as sent)."""
        kind = event.get("event")
        if kind == "join" and isinstance(event.get("participant"), dict):
            person = dict(event["participant"])
            self.people[str(person["id"])] = person
        elif kind == "leave":
            self.people.pop(str(event.get("participant")), None)
        elif kind == "mute" and str(event.get("participant")) in self.people:
            self.people[str(event["participant"])]["muted"] = bool(event.get("muted"))
        elif kind == "lock":
            self.room["locked"] = bool(event.get("locked"))
        elif kind == "talking" and isinstance(event.get("talking"), dict):
            for pid, talking in event["talking"].items():
                if pid in self.people:
                    self.people[pid]["talking"] = bool(talking)
        self._show()

    def _show(self) -> None:
        selected = self._selected()
        self.list.clear()
        for pid, person in self.people.items():
            item = QListWidgetItem(self._describe(person))
            item.setData(PID_ROLE, pid)
            self.list.addItem(item)
            if pid == selected:
                self.list.setCurrentItem(item)
        for button in self.admin_buttons:
            button.setVisible(self.admin)
        self.retranslate()

    def _describe(self, person: dict[str, Any]) -> str:
        name, number = person.get("name") or "", person.get("number") or ""
        text = f"{name} ({number})" if name and name != number else str(number)
        states = []
        if person.get("talking"):
            states.append(self.tr("talking"))
        if person.get("muted"):
            states.append(self.tr("muted"))
        return text + (" – " + ", ".join(states) if states else "")

    def retranslate(self) -> None:
        name = self.room.get("name") or self.room.get("number") or ""
        title = self.tr("Conference room {name}: {count} in the room").format(
            name=name, count=len(self.people))
        self.title.setText(title + (" – " + self.tr("locked") if self.locked else ""))
        me_muted = any(p.get("muted") for p in self.people.values() if p.get("number") == self.me)
        self.self_mute_button.setText(self.tr("Unmute me") if me_muted else self.tr("Mute me"))
        self.mute_button.setText(self.tr("Mute"))
        self.remove_button.setText(self.tr("Remove"))
        self.mute_all_button.setText(self.tr("Mute everyone"))
        self.lock_button.setText(self.tr("Unlock") if self.locked else self.tr("Lock"))

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(PID_ROLE))

    def _mute_selected(self) -> None:
        pid = self._selected()
        if pid is not None:
            muted = bool(self.people.get(pid, {}).get("muted"))
            self.action_requested.emit("DELETE" if muted else "PUT", f"participants/{pid}/mute")

    def _remove_selected(self) -> None:
        pid = self._selected()
        if pid is not None:
            self.action_requested.emit("DELETE", f"participants/{pid}")
