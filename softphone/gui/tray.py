"""The tray icon: show/hide the window, quit, and answer or reject while hidden.

QSystemTrayIcon.showMessage() cannot carry buttons, so an incoming call shows a message and
puts "Answer" and "Reject" at the top of the tray menu. Where there is no system tray
(offscreen, some desktops), Tray.available is False and everything here is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from softphone.common.engine_protocol import CallInfo, CallState
from softphone.gui import format as fmt
from softphone.gui.engine_backend import EngineBackend
from softphone.gui.names import NameLookup
from softphone.gui.tray_state import COLORS, TrayState


def app_icon(color: str = COLORS[TrayState.AVAILABLE]) -> QIcon:
    """A green (or `color`) disc with a white handset, drawn here so no image plugin is
    needed."""
    icon = QIcon()
    for size in (16, 22, 32, 48, 64, 128):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / 64, size / 64)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(color)))
        painter.drawEllipse(QPointF(32, 32), 30, 30)
        handset = QPainterPath()
        handset.moveTo(22, 14)
        for x, y in ((26, 17), (29, 24), (28, 28), (25, 31), (36, 42), (39, 39), (43, 38),
                     (50, 41), (53, 45), (53, 49), (48, 54), (10, 20), (15, 14)):
            handset.lineTo(x, y)
        handset.closeSubpath()
        painter.setBrush(QBrush(QColor("white")))
        painter.setPen(QPen(QColor("white"), 2, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawPath(handset)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def badged(icon: QIcon, count: int) -> QIcon:
    """`icon` with a red disc and the count of missed calls in its top right corner."""
    if count <= 0:
        return icon
    badge = QIcon()
    text = str(count) if count < 100 else "99+"
    for size in (16, 22, 32, 48, 64, 128):
        pixmap = icon.pixmap(size, size)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = size * 0.3
        centre = QPointF(size - radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor("#c62828")))
        painter.drawEllipse(centre, radius, radius)
        font = painter.font()
        font.setPixelSize(max(6, round(radius * (1.3 if len(text) == 1 else 0.9))))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(centre.x() - radius, 0, 2 * radius, 2 * radius),
                         Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        badge.addPixmap(pixmap)
    return badge


class Tray(QObject):
    """Listens to the engine's calls; answer/reject go through the window's handlers so
    the tray and the window behave the same (answering holds the call in progress)."""

    quit_requested = Signal()

    def __init__(self, window: QWidget, engine: EngineBackend, icon: QIcon, *,
                 answer: Callable[[str], None], reject: Callable[[str], None],
                 available: bool | None = None, names: NameLookup | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._names = names
        self._answer = answer
        self._reject = reject
        self._ringing: dict[str, CallInfo] = {}
        self._base_icon = icon
        self.missed = 0                 # unseen missed calls, drawn on the icon
        self.state = TrayState.AVAILABLE
        self.available = (QSystemTrayIcon.isSystemTrayAvailable() if available is None
                          else available)
        self.icon = QSystemTrayIcon(icon, self)
        self.menu = QMenu()
        self.answer_action = QAction(self)
        self.answer_action.triggered.connect(self._answer_first)
        self.reject_action = QAction(self)
        self.reject_action.triggered.connect(lambda: self._first_ringing(self._reject))
        self.toggle_action = QAction(self)
        self.toggle_action.triggered.connect(self.toggle_window)
        self.quit_action = QAction(self)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.answer_action)
        self.menu.addAction(self.reject_action)
        self.menu.addSeparator()
        self.menu.addAction(self.toggle_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self._update_menu)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.messageClicked.connect(self.show_window)
        engine.call_changed.connect(self.on_call)
        self.retranslate()
        self._update_menu()
        if self.available:
            self.icon.show()

    def set_missed(self, count: int) -> None:
        self.missed = count
        self.icon.setIcon(badged(self._base_icon, count))
        self.retranslate()

    def set_state(self, state: str) -> None:
        """Available, ringing, in a call, DND, unreachable (tray_state.py): the disc's colour
        and the tooltip's words."""
        self.state = TrayState(state)
        self._base_icon = app_icon(COLORS[self.state])
        self.set_missed(self.missed)

    def state_text(self) -> str:
        return {
            TrayState.AVAILABLE: self.tr("Available"),
            TrayState.RINGING: self.tr("Ringing"),
            TrayState.IN_CALL: self.tr("In a call"),
            TrayState.DND: self.tr("Do not disturb"),
            TrayState.UNREACHABLE: self.tr("PBX unreachable"),
        }[self.state]

    def retranslate(self) -> None:
        text = self.tr("Softphone – {state}").format(state=self.state_text())
        if self.missed:
            text += "\n" + self.tr("%n missed call(s)", "", self.missed)
        self.icon.setToolTip(text)
        self.answer_action.setText(self.tr("Answer"))
        self.reject_action.setText(self.tr("Reject"))
        self.quit_action.setText(self.tr("Quit"))
        self._update_menu()

    def close(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()

    def toggle_window(self) -> None:
        if self._window.isVisible() and not self._window.isMinimized():
            self._window.hide()
        else:
            self.show_window()

    def show_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def on_call(self, info: CallInfo) -> None:
        if info.state == CallState.INCOMING:
            new = info.call_id not in self._ringing
            self._ringing[info.call_id] = info
            if new and self.available and not self._window.isVisible():
                self.icon.showMessage(
                    self.tr("Incoming call"),
                    self.tr("{caller} is calling – answer or reject from this icon's menu, "
                            "or click to open the window").format(
                                caller=fmt.remote(info, self._names)),
                    QSystemTrayIcon.MessageIcon.Information, 30000)
        else:
            self._ringing.pop(info.call_id, None)
        self._update_menu()

    def _answer_first(self) -> None:
        if self._ringing:
            self._answer(next(iter(self._ringing)))
            self.show_window()      # the call's controls are in the window

    def _first_ringing(self, action: Callable[[str], None]) -> None:
        if self._ringing:
            action(next(iter(self._ringing)))

    def _update_menu(self) -> None:
        ringing = bool(self._ringing)
        self.answer_action.setVisible(ringing)
        self.reject_action.setVisible(ringing)
        if ringing:
            who = fmt.remote(next(iter(self._ringing.values())), self._names)
            self.answer_action.setText(self.tr("Answer {caller}").format(caller=who))
        shown = self._window.isVisible() and not self._window.isMinimized()
        self.toggle_action.setText(self.tr("Hide window") if shown else self.tr("Show window"))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()
