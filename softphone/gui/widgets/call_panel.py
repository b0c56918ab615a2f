"""One call in progress: who, its state, how long, and what can be done with it.

The panels of all calls form the calls list.  A held call is marked and blinks slowly
(its marker toggles every BLINK_MS, on a timer that runs only while it is held), the
active one is marked steadily; clicking a held call switches to it: the call in progress
is put on hold and the clicked one resumed (one conversation at a time).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QDrag, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from softphone.common.engine_protocol import CallInfo, CallState
from softphone.gui import format as fmt
from softphone.gui.colleagues.drag import call_mime
from softphone.gui.engine_backend import EngineBackend
from softphone.gui.names import NameLookup, party
from softphone.gui.widgets.dialpad import NumberEdit

# Window-wide shortcuts act on the current call (main_window.py); shown in the tooltips here.
HANGUP_KEY = "Ctrl+E"
MUTE_KEY = "Ctrl+M"
HOLD_KEY = "Ctrl+H"
KEYPAD_KEY = "Ctrl+K"
TRANSFER_KEY = "Ctrl+T"
SWAP_KEY = "Ctrl+B"        # switch to the next call (Makeln): hold this one, resume that
SWITCH_KEYS = 9            # Alt+1 .. Alt+9: switch to the call at that place in the list

CONNECTED = frozenset({CallState.ACTIVE, CallState.HELD, CallState.REMOTE_HELD})
TALKING = frozenset({CallState.ACTIVE, CallState.REMOTE_HELD})   # the conversation
BLINK_MS = 800             # a held call blinks slowly: noticed, but not nervous
HELD_COLOR = "#ef6c00"
ACTIVE_COLOR = "#2e7d32"
DTMF_KEYS = frozenset("0123456789*#")
MUTED_COLOR = "#c62828"


def switch_key(position: int) -> str:
    """The shortcut of the call at `position` (1-based) in the calls list, or ""."""
    return f"Alt+{position}" if 1 <= position <= SWITCH_KEYS else ""


def with_key(text: str, key: str) -> str:
    native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
    return f"{text} ({native})"


class CallPanel(QFrame):
    """Buttons call the engine's request_* directly; the look follows the CallInfo events
    (update()), never the click: a toggle shows what the engine says, not what was asked.
    keypad_requested: the window's keypad is wanted (it sends DTMF to the active call)."""

    keypad_requested = Signal()

    def __init__(self, info: CallInfo, engine: EngineBackend, *,
                 other_calls: Callable[[], list[CallInfo]] = list,
                 clock: Callable[[], float] = time.time, tick_ms: int = 1000,
                 blink_ms: int = BLINK_MS, names: NameLookup | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self._names = names             # the directory's name for the number
        self._engine = engine
        self._other_calls = other_calls
        self._clock = clock
        self._connected_at = 0.0
        self.position = 0               # place in the calls list (1-based), for Alt+N
        self.door_view: QWidget | None = None   # a call with a door: its video, open button
        self.blink_on = False           # the held marker's phase
        self._press = QPoint()          # where a drag would start
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"call-{info.call_id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)     # takes typed DTMF keys

        self.marker = QLabel(self)      # steady when active, blinking when held
        self.marker.setObjectName("callMarker")
        self.marker.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.marker.setFixedWidth(12)
        self._blink = QTimer(self, interval=blink_ms)
        self._blink.timeout.connect(self._toggle_blink)

        self.name_label = QLabel(self)
        self.name_label.setStyleSheet("font-weight: bold;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label = QLabel(self)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QLabel(self)
        self.timer_label = QLabel(self)
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.mute_button = QPushButton(self, checkable=True)
        self.mute_button.clicked.connect(self._on_mute)
        self.hold_button = QPushButton(self, checkable=True)
        self.hold_button.clicked.connect(self._on_hold)
        # One keypad in the window (issue 14): this button brings the window's to the
        # front, and while this call is active its keys are sent as DTMF.
        self.keypad_button = QPushButton(self)
        self.keypad_button.clicked.connect(self.keypad_requested)
        self.transfer_button = QToolButton(self)
        self.transfer_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.transfer_menu = QMenu(self)
        self.transfer_menu.aboutToShow.connect(self.rebuild_transfer_menu)
        self.transfer_button.setMenu(self.transfer_menu)
        self.hangup_button = QPushButton(self)
        self.hangup_button.setStyleSheet("background-color: #c62828; color: white;")
        self.hangup_button.clicked.connect(self.hang_up)

        self.dtmf_label = QLabel(self)
        self.dtmf_label.hide()

        self.transfer_row = QWidget(self)
        self.transfer_edit = NumberEdit(self.transfer_row)
        self.transfer_edit.returnPressed.connect(self._on_blind_confirm)
        self.transfer_go = QPushButton(self.transfer_row)
        self.transfer_go.clicked.connect(self._on_blind_confirm)
        self.transfer_cancel = QPushButton(self.transfer_row)
        self.transfer_cancel.clicked.connect(self.transfer_row.hide)
        row = QHBoxLayout(self.transfer_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.transfer_edit, 1)
        row.addWidget(self.transfer_go)
        row.addWidget(self.transfer_cancel)
        self.transfer_row.hide()

        top = QHBoxLayout()
        top.addWidget(self.marker)
        who = QVBoxLayout()
        who.addWidget(self.name_label)
        who.addWidget(self.number_label)
        top.addLayout(who, 1)
        when = QVBoxLayout()
        when.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignRight)
        when.addWidget(self.timer_label)
        top.addLayout(when)
        # Hang up gets a row of its own: five buttons in one row made the window wider
        # than its default size (more so in German).
        buttons = QHBoxLayout()
        for button in (self.mute_button, self.hold_button, self.keypad_button,
                       self.transfer_button):
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button, 1)
        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.hangup_button)
        layout.addWidget(self.dtmf_label)
        layout.addWidget(self.transfer_row)

        self._timer = QTimer(self, interval=tick_ms)
        self._timer.timeout.connect(self._tick)
        self.retranslate()
        self.update_call(info)

    def set_door_view(self, view: QWidget) -> None:
        """A call with a door: its video and open button between the caller and the
        call's buttons."""
        self.door_view = view
        view.setParent(self)
        self._layout.insertWidget(1, view)
        view.show()

    def retranslate(self) -> None:
        self.mute_button.setText(self.tr("Mute"))
        self.mute_button.setToolTip(with_key(self.tr("Mute your microphone"), MUTE_KEY))
        self.hold_button.setToolTip(with_key(self.tr("Hold or resume the call"), HOLD_KEY))
        self.keypad_button.setText(self.tr("Keypad"))
        self.keypad_button.setToolTip(with_key(self.tr("Send tones (DTMF)"), KEYPAD_KEY))
        self.transfer_button.setText(self.tr("Transfer"))
        self.transfer_button.setToolTip(with_key(self.tr("Transfer the call"), TRANSFER_KEY))
        self.hangup_button.setText(self.tr("Hang up"))
        self.hangup_button.setToolTip(with_key(self.tr("End the call"), HANGUP_KEY))
        self.transfer_edit.retranslate()
        self.transfer_go.setText(self.tr("Transfer"))
        self.transfer_cancel.setText(self.tr("Cancel"))
        self.update_call(self.info)

    def set_position(self, position: int) -> None:
        self.position = position
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        key = switch_key(self.position)
        if self.info.state == CallState.HELD:
            text = self.tr("On hold: click to switch to this call")
            self.setToolTip(with_key(text, key) if key else text)
        else:
            self.setToolTip("")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- events up -----------------------------------------------------------------------

    def update_call(self, info: CallInfo) -> None:
        self.info = info
        state = info.state
        name, number = party(info, self._names)
        self.name_label.setText(name or number or self.tr("Unknown"))
        self.number_label.setText(number if name else "")
        self.number_label.setVisible(bool(name and number))
        # Muted is seen at a glance: said beside the state, and the button turns red.
        self.state_label.setText(self.tr("{state} · muted").format(state=fmt.call_state(info))
                                 if info.muted and state in TALKING
                                 else fmt.call_state(info))
        connected = state in CONNECTED
        self.mute_button.setEnabled(connected)
        self.mute_button.setChecked(info.muted)
        self.mute_button.setText(self.tr("Unmute") if info.muted else self.tr("Mute"))
        self.mute_button.setStyleSheet(f"background-color: {MUTED_COLOR}; color: white;"
                                       if info.muted else "")
        self.hold_button.setEnabled(connected)
        self.hold_button.setChecked(state == CallState.HELD)
        self.hold_button.setText(self.tr("Resume") if state == CallState.HELD
                                 else self.tr("Hold"))
        self.keypad_button.setEnabled(state == CallState.ACTIVE)
        self.transfer_button.setEnabled(connected)
        if not connected:
            self.transfer_row.hide()
        self.hangup_button.setEnabled(state != CallState.ENDED)
        if state == CallState.HELD:
            if not self._blink.isActive():
                self.blink_on = True
                self._blink.start()
        else:
            self._blink.stop()
            self.blink_on = state in TALKING
        self._paint_marker()
        self._update_tooltip()
        # A held panel is one click target: its labels let the click through to it.
        for label in (self.marker, self.name_label, self.number_label, self.state_label,
                      self.timer_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents,
                               state == CallState.HELD)
        if connected:
            if not self._connected_at:
                self._connected_at = info.connected_at or self._clock()
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
        self._tick()

    def _toggle_blink(self) -> None:
        self.blink_on = not self.blink_on
        self._paint_marker()

    def _paint_marker(self) -> None:
        held = self.info.state == CallState.HELD
        color = HELD_COLOR if held else ACTIVE_COLOR
        lit = self.blink_on and (held or self.info.state in TALKING)
        self.marker.setStyleSheet(f"background-color: {color if lit else 'transparent'};"
                                  " border-radius: 4px;")
        self.state_label.setStyleSheet(
            f"color: {HELD_COLOR}; font-weight: bold;" if held and self.blink_on else "")

    def _tick(self) -> None:
        if self._connected_at:
            self.timer_label.setText(fmt.duration(self._clock() - self._connected_at))
        else:
            self.timer_label.setText("")

    # -- requests down -------------------------------------------------------------------

    def hang_up(self) -> None:
        self._engine.request_hangup(self.info.call_id)

    def toggle_mute(self) -> None:
        if self.mute_button.isEnabled():
            self._engine.request_mute(self.info.call_id, not self.info.muted)

    def toggle_hold(self) -> None:
        if not self.hold_button.isEnabled():
            return
        if self.info.state == CallState.HELD:
            self.switch_here()
        else:
            self._engine.request_hold(self.info.call_id)

    def switch_here(self) -> None:
        """Resume this held call; the call in progress is put on hold first."""
        if self.info.state != CallState.HELD:
            return
        for other in self._other_calls():
            if other.call_id != self.info.call_id and other.state in TALKING:
                self._engine.request_hold(other.call_id)
        self._engine.request_resume(self.info.call_id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # Dragging the call onto a colleague's tile transfers it (colleagues/tiles.py).
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if event.buttons() & Qt.MouseButton.LeftButton and self.info.state in CONNECTED \
                and moved >= QApplication.startDragDistance():
            drag = QDrag(self)
            drag.setMimeData(call_mime(self.info.call_id))
            drag.exec(Qt.DropAction.MoveAction)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        # A click on the panel itself (the buttons take their own clicks).
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.setFocus()
            self.switch_here()
        super().mouseReleaseEvent(event)

    def send_dtmf(self, digits: str) -> None:
        if self.info.state == CallState.ACTIVE:
            self._engine.request_dtmf(self.info.call_id, digits)
            self.dtmf_label.setText(self.dtmf_label.text() + digits)
            self.dtmf_label.show()

    def _on_mute(self) -> None:
        self.mute_button.setChecked(self.info.muted)   # until the engine says otherwise
        self.toggle_mute()

    def _on_hold(self) -> None:
        self.hold_button.setChecked(self.info.state == CallState.HELD)
        self.toggle_hold()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Typed digits, * and # go to the call that has the focus, as DTMF (RFC 4733 via
        # the engine), not into the number field.
        if event.text() and event.text() in DTMF_KEYS and self.info.state == CallState.ACTIVE:
            self.send_dtmf(event.text())
            return
        super().keyPressEvent(event)

    # -- transfer ------------------------------------------------------------------------

    def rebuild_transfer_menu(self) -> None:
        """Blind transfer, then one entry per other call (attended: connect the two)."""
        menu = self.transfer_menu
        menu.clear()
        blind = menu.addAction(self.tr("To a number…"))
        blind.triggered.connect(self.start_blind_transfer)
        others = [c for c in self._other_calls()
                  if c.call_id != self.info.call_id and c.state in CONNECTED]
        if others:
            menu.addSection(self.tr("Connect with"))
        for other in others:
            action = menu.addAction(fmt.remote(other, self._names))
            action.setData(other.call_id)
            action.triggered.connect(
                lambda _=False, to=other.call_id: self.transfer_attended(to))

    def start_blind_transfer(self) -> None:
        self.transfer_row.show()
        self.transfer_edit.setFocus()

    def _on_blind_confirm(self) -> None:
        target = self.transfer_edit.number()
        if target:
            self._engine.request_transfer_blind(self.info.call_id, target)
            self.transfer_edit.clear()
            self.transfer_row.hide()

    def transfer_attended(self, to_call_id: str) -> None:
        self._engine.request_transfer_attended(self.info.call_id, to_call_id)
