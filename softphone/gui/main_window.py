"""The main window: number entry and dial pad, the calls in progress, history, status."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from softphone.common.engine_protocol import CallInfo, CallState, RegistrationInfo
from softphone.gui import format as fmt
from softphone.gui.door.calls import DoorCalls, DoorViewFactory
from softphone.gui.engine_backend import EngineBackend, EngineState
from softphone.gui.menus import WindowMenus
from softphone.gui.names import NameLookup
from softphone.gui.widgets import call_panel as cp
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.dialpad import Dialpad, NumberEdit, clean_number
from softphone.gui.widgets.incoming_panel import IncomingPanel
from softphone.gui.widgets.status_bar import StatusBar

HINT_MS = 6000      # how long a hint under the number field stays


class MainWindow(QMainWindow):
    """Widgets call the engine's request_*; engine signals update the widgets.

    call_ended(CallInfo, rejected) follows every call's end (for the call history);
    account_requested / settings_requested / quit_requested are the menu's wishes, which
    the composition root (app.py) fulfils.
    """

    call_ended = Signal(object, bool)
    account_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, engine: EngineBackend, *, history_view: QWidget | None = None,
                 contacts_view: QWidget | None = None,
                 colleagues_view: QWidget | None = None,
                 door_views: DoorViewFactory | None = None,
                 names: NameLookup | None = None,
                 clock: Callable[[], float] = time.time, tick_ms: int = 1000,
                 blink_ms: int = cp.BLINK_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._clock = clock
        self._tick_ms = tick_ms
        self._blink_ms = blink_ms
        self._doors = DoorCalls(door_views)     # a door's video in its call's panel
        # Who a number is (the company directory, the local contacts); the panels show
        # its names and show them anew when the directory changes (arrives) mid-call.
        self._names = names
        if names is not None:
            names.changed.connect(self._names_changed)
        # Call waiting off: a call that comes in while another is going on is rejected
        # with 486 at once (app.py sets this from the settings).
        self.call_waiting = True
        self._auto_rejected: set[str] = set()
        self._calls: dict[str, CallInfo] = {}
        self.panels: dict[str, CallPanel | IncomingPanel] = {}
        self._rejected: set[str] = set()
        self.hide_on_close = False      # set by app.py when a tray icon can bring it back
        self.missed_count = 0           # unseen missed calls, on the History tab (missed.py)
        self._identity = ("", "")       # own name and number, in the title
        self.setObjectName("mainWindow")
        self.resize(380, 600)

        self.number_edit = NumberEdit()
        self.number_edit.returnPressed.connect(self.call_number)
        self.number_edit.invalid_input.connect(self._show_hint)
        self.number_edit.textChanged.connect(self._update_call_button)
        self.call_button = QPushButton()
        self.call_button.setStyleSheet("background-color: #2e7d32; color: white;")
        self.call_button.clicked.connect(self.call_number)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("inputHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #c62828;")
        self.hint_label.hide()
        self._hint_timer = QTimer(self, singleShot=True, interval=HINT_MS)
        self._hint_timer.timeout.connect(self.hint_label.hide)

        self.calls_widget = QWidget()
        self.calls_layout = QVBoxLayout(self.calls_widget)
        self.calls_layout.setContentsMargins(0, 0, 0, 0)
        self.calls_widget.hide()

        self.dialpad = Dialpad()
        # One keypad: it dials, and while a call is active it sends that call DTMF.
        self.dialpad.digit_pressed.connect(self._keypad_digit)
        self.tabs = QTabWidget()
        keypad_page = QWidget()
        keypad_layout = QVBoxLayout(keypad_page)
        keypad_layout.addWidget(self.dialpad)
        keypad_layout.addStretch(1)
        self.tabs.addTab(keypad_page, "")
        self.contacts_view = contacts_view
        if contacts_view is not None:
            contacts_view.call_requested.connect(self.call)  # type: ignore[attr-defined]
            self.tabs.addTab(contacts_view, "")
        self.colleagues_view = colleagues_view
        if colleagues_view is not None:
            self.tabs.addTab(colleagues_view, "")
        self.history_view = history_view
        if history_view is not None:
            history_view.call_requested.connect(self.call)   # type: ignore[attr-defined]
            self.tabs.addTab(history_view, "")

        number_row = QHBoxLayout()
        number_row.addWidget(self.number_edit, 1)
        number_row.addWidget(self.call_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(number_row)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.calls_widget)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)

        self.menus = WindowMenus(self)      # menu bar and call shortcuts
        self.retranslate()
        self.menus.update()
        self._update_call_button()

        engine.registration_changed.connect(self.on_registration)
        engine.call_changed.connect(self.on_call)
        engine.audio_changed.connect(self.status.set_audio)
        engine.engine_state_changed.connect(self.on_engine_state)
        engine.request_failed.connect(self.on_request_failed)
        self.status.set_engine_state(engine.state.value)
        self.status.set_audio(engine.audio_status)
        self.number_edit.setFocus()

    def retranslate(self) -> None:
        name, number = self._identity
        if name and number:
            self.setWindowTitle(self.tr("{name} ({number}) – Softphone").format(
                name=name, number=number))
        elif name or number:
            self.setWindowTitle(self.tr("{who} – Softphone").format(who=name or number))
        else:
            self.setWindowTitle(self.tr("Softphone"))
        self.number_edit.retranslate()
        self.call_button.setText(self.tr("Call"))
        self.call_button.setToolTip(self.tr("Call this number (Enter)"))
        self.tabs.setTabText(0, self.tr("Keypad"))
        if self.contacts_view is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.contacts_view), self.tr("Contacts"))
        if self.colleagues_view is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.colleagues_view), self.tr("Colleagues"))
        if self.history_view is not None:
            self.tabs.setTabText(
                self.tabs.indexOf(self.history_view),
                self.tr("History (%n missed)", "", self.missed_count) if self.missed_count
                else self.tr("History"))
        self.menus.retranslate()
        self.status.retranslate()

    def set_identity(self, name: str, number: str) -> None:
        """Whose phone this is (several softphones on one desktop: the title tells)."""
        self._identity = (name, number)
        self.retranslate()

    def focus_search(self) -> None:
        """Ctrl+F: the contacts' search field, ready for typing."""
        view = self.contacts_view
        search = getattr(view, "search", None)
        if view is not None and search is not None:
            self.tabs.setCurrentWidget(view)
            search.setFocus()
            search.selectAll()

    def set_missed_count(self, count: int) -> None:
        self.missed_count = count
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
        else:
            super().closeEvent(event)

    # -- requests down -------------------------------------------------------------------

    def call_number(self) -> None:
        """Call what is in the number field (Enter or the Call button)."""
        text = self.number_edit.text().strip()
        if not text:
            self._show_hint(self.tr("Type a number first"))
            return
        if self.call(text):
            self.number_edit.clear()
            self.hint_label.hide()

    def call(self, target: str) -> bool:
        """Call `target` (cleaned first); the call in progress is put on hold."""
        number = clean_number(target)
        if not number:
            self._show_hint(self.tr("“{text}” cannot be dialled").format(text=target))
            return False
        self._hold_active()
        self._engine.request_call(number)
        return True

    def transfer_to(self, number: str, call_id: str = "", attended: bool = False) -> None:
        """Transfer a call (`call_id`, or the current one) to `number`: at once (blind,
        RFC 3515 REFER) or, attended, by calling `number` first (the call on hold); its
        panel's transfer menu then connects the two (REFER with Replaces)."""
        panel = self.panels.get(call_id) if call_id else self.current_panel()
        if not isinstance(panel, CallPanel) or panel.info.state not in cp.CONNECTED:
            self._show_hint(self.tr("There is no call to transfer."))
            return
        if attended:
            self.call(number)
        else:
            self._engine.request_transfer_blind(panel.info.call_id, number)

    def answer(self, call_id: str) -> None:
        self._hold_active(except_id=call_id)
        self._engine.request_answer(call_id)

    def reject(self, call_id: str) -> None:
        self._rejected.add(call_id)
        self._engine.request_reject(call_id)

    def end_and_answer(self, call_id: str) -> None:
        """Call waiting: end the conversation in progress, answer the waiting call."""
        for info in self._calls.values():
            if info.state in cp.TALKING and info.call_id != call_id:
                self._engine.request_hangup(info.call_id)
        self._engine.request_answer(call_id)

    def switch_next(self) -> None:
        """Hold the call in progress and resume the next held one (the list wraps)."""
        panels = [p for p in self.panels.values() if isinstance(p, CallPanel)]
        talking = [i for i, p in enumerate(panels) if p.info.state in cp.TALKING]
        start = talking[-1] + 1 if talking else 0
        for panel in panels[start:] + panels[:start]:
            if panel.info.state == CallState.HELD:
                panel.switch_here()
                return

    def switch_to(self, position: int) -> None:
        """Switch to the held call at `position` (1-based) in the calls list."""
        panels = [p for p in self.panels.values() if isinstance(p, CallPanel)]
        if 1 <= position <= len(panels):
            panels[position - 1].switch_here()

    def _hold_active(self, except_id: str = "") -> None:
        # One conversation at a time: a new or answered call holds the one in progress.
        for info in self._calls.values():
            if info.state in cp.TALKING and info.call_id != except_id:
                self._engine.request_hold(info.call_id)

    def current_panel(self) -> CallPanel | None:
        """The call the window-wide shortcuts act on: the active one (the conversation,
        however new or old the others are), else the newest."""
        panels = [p for p in self.panels.values() if isinstance(p, CallPanel)]
        active = [p for p in panels if p.info.state in cp.TALKING]
        return (active or panels or [None])[-1]

    def _talking_panel(self) -> CallPanel | None:
        panel = self.current_panel()
        return panel if panel is not None and panel.info.state == CallState.ACTIVE else None

    def _keypad_digit(self, digit: str) -> None:
        panel = self._talking_panel()
        if panel is not None:
            panel.send_dtmf(digit)
        else:
            self.number_edit.append(digit)

    def _show_keypad(self, panel: CallPanel) -> None:
        self.tabs.setCurrentIndex(0)
        panel.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys no child took (focus on a button, the tabs): DTMF for the call in progress.
        panel = self._talking_panel()
        if panel is not None and event.text() and event.text() in cp.DTMF_KEYS:
            panel.send_dtmf(event.text())
            return
        super().keyPressEvent(event)

    # -- events up -----------------------------------------------------------------------

    def on_registration(self, info: RegistrationInfo) -> None:
        self.status.set_registration(info)

    def on_engine_state(self, state: str) -> None:
        self.status.set_engine_state(state)
        if state == EngineState.LOST:
            self.status.show_error(fmt.engine_state(state))

    def on_request_failed(self, cmd: str, code: str, detail: str) -> None:
        self.status.show_error(fmt.request_error(cmd, code, detail))

    def on_call(self, info: CallInfo) -> None:
        panel = self.panels.get(info.call_id)
        if info.state == CallState.ENDED:
            self._calls.pop(info.call_id, None)
            if panel is not None:
                self._remove_panel(info.call_id)
            rejected = info.call_id in self._rejected
            self._rejected.discard(info.call_id)
            self._auto_rejected.discard(info.call_id)
            self.status.showMessage(self.tr("{who}: {why}").format(
                who=fmt.remote(info, self._names), why=fmt.call_end(info)), 10000)
            self.call_ended.emit(info, rejected)
        else:
            self._calls[info.call_id] = info
            if info.call_id in self._auto_rejected:
                pass
            elif info.state == CallState.INCOMING and not self.call_waiting and any(
                    c.state != CallState.INCOMING for c in self._calls.values()):
                self._auto_rejected.add(info.call_id)   # busy: a missed call in the history
                self._engine.request_reject(info.call_id, 486)
            elif info.state == CallState.INCOMING:
                if panel is None:
                    panel = IncomingPanel(info, self.calls_widget, names=self._names)
                    panel.answer_requested.connect(self.answer)
                    panel.end_and_answer_requested.connect(self.end_and_answer)
                    panel.reject_requested.connect(self.reject)
                    self._doors.ringing(info, panel)    # see who is at the door first
                    self._add_panel(info.call_id, panel, top=True)
                    QApplication.alert(self)
                panel.update_call(info)
            elif isinstance(panel, CallPanel):
                panel.update_call(info)
            else:           # answered (the ringing panel becomes a call), or we called
                door = self._doors.take(panel)      # its video goes on playing
                if panel is not None:
                    self._remove_panel(info.call_id)
                panel = CallPanel(info, self._engine, other_calls=self.calls,
                                  clock=self._clock, tick_ms=self._tick_ms,
                                  blink_ms=self._blink_ms, names=self._names,
                                  parent=self.calls_widget)
                self._doors.answered(info, door, panel)
                panel.keypad_requested.connect(lambda p=panel: self._show_keypad(p))
                self._add_panel(info.call_id, panel)
            if isinstance(panel, CallPanel) and info.state == CallState.ACTIVE \
                    and not self.number_edit.text() and (
                    QApplication.focusWidget() in (None, self.number_edit)):
                panel.setFocus()    # typed digits now go to the call as DTMF
        self._update_calls_list()
        self.menus.update()

    def _names_changed(self) -> None:
        for panel in self.panels.values():
            panel.update_call(panel.info)

    def _update_calls_list(self) -> None:
        """Number the calls (Alt+N), and show a ringing call as waiting while another
        call is in conversation."""
        talking = any(c.state in cp.TALKING for c in self._calls.values())
        position = 0
        for panel in self.panels.values():
            if isinstance(panel, IncomingPanel):
                panel.set_waiting(talking)
            else:
                position += 1
                panel.set_position(position)

    def calls(self) -> list[CallInfo]:
        """The calls in progress, oldest first."""
        return list(self._calls.values())

    def _add_panel(self, call_id: str, panel: CallPanel | IncomingPanel, top: bool = False
                   ) -> None:
        self.panels[call_id] = panel
        self.calls_layout.insertWidget(0 if top else self.calls_layout.count(), panel)
        self.calls_widget.show()

    def stop_door_videos(self) -> None:
        """End every door video of the calls list (before the window goes away)."""
        self._doors.stop_all(self.panels.values())

    def _remove_panel(self, call_id: str) -> None:
        panel = self.panels.pop(call_id)
        self._doors.ended(panel)                # the call ended: so does its video
        self.calls_layout.removeWidget(panel)
        panel.hide()
        panel.deleteLater()
        self.calls_widget.setVisible(bool(self.panels))

    def _update_call_button(self) -> None:
        self.call_button.setEnabled(bool(self.number_edit.text().strip()))

    def _show_hint(self, text: str) -> None:
        self.hint_label.setText(text)
        self.hint_label.show()
        self._hint_timer.start()
