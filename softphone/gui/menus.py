"""The main window's menu bar and call shortcuts.

Phone: account, settings, quit (the window's wishes, fulfilled by app.py). Call: answer,
reject, end-and-answer for the ringing call; hang up, mute, hold, keypad, transfer for the
current call; switch calls. Alt+1..9 switch to the call at that place (in the panels'
tooltips, not in the menu). update() enables what the calls in progress allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence

from softphone.common.engine_protocol import CallState
from softphone.gui.widgets import call_panel as cp
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import (
    ANSWER_KEY,
    END_ANSWER_KEY,
    REJECT_KEY,
    IncomingPanel,
)

if TYPE_CHECKING:
    from softphone.gui.main_window import MainWindow

# In the main window's context (its strings were there first); lupdate finds them so.
translate = QCoreApplication.translate
# The Call menu's actions that act on the current call, by the panel button they press.
_PANEL_BUTTONS = (("hangup_action", "hangup_button"), ("mute_action", "mute_button"),
                  ("hold_action", "hold_button"), ("keypad_action", "keypad_button"),
                  ("transfer_action", "transfer_button"))


class WindowMenus:
    """Built into `window`'s menu bar; the actions are attributes (answer_action, …)."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.phone_menu = window.menuBar().addMenu("")
        self.account_action = self.phone_menu.addAction("")
        self.account_action.triggered.connect(window.account_requested)
        self.settings_action = self.phone_menu.addAction("")
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(window.settings_requested)
        self.find_action = self.phone_menu.addAction("")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(window.focus_search)
        self.phone_menu.addSeparator()
        self.quit_action = self.phone_menu.addAction("")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(window.quit_requested)

        self.call_menu = window.menuBar().addMenu("")

        def add(key: str, slot: Callable[[], None]) -> QAction:
            action = self.call_menu.addAction("")
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            return action

        self.answer_action = add(ANSWER_KEY, lambda: self._on_incoming(window.answer))
        self.reject_action = add(REJECT_KEY, lambda: self._on_incoming(window.reject))
        self.end_answer_action = add(END_ANSWER_KEY,
                                     lambda: self._on_incoming(window.end_and_answer))
        self.call_menu.addSeparator()
        self.hangup_action = add(cp.HANGUP_KEY, lambda: self._on_current(CallPanel.hang_up))
        self.mute_action = add(cp.MUTE_KEY, lambda: self._on_current(CallPanel.toggle_mute))
        self.hold_action = add(cp.HOLD_KEY, lambda: self._on_current(CallPanel.toggle_hold))
        self.keypad_action = add(
            cp.KEYPAD_KEY, lambda: self._on_current(lambda p: p.keypad_button.click()))
        self.transfer_action = add(
            cp.TRANSFER_KEY, lambda: self._on_current(lambda p: p.transfer_button.showMenu()))
        self.swap_action = add(cp.SWAP_KEY, window.switch_next)
        for position in range(1, cp.SWITCH_KEYS + 1):
            action = QAction(window)
            action.setShortcut(QKeySequence(cp.switch_key(position)))
            action.triggered.connect(lambda _=False, n=position: window.switch_to(n))
            window.addAction(action)

    def retranslate(self) -> None:
        self.phone_menu.setTitle(translate("MainWindow", "&Phone"))
        self.account_action.setText(translate("MainWindow", "&Account…"))
        self.settings_action.setText(translate("MainWindow", "&Settings…"))
        self.find_action.setText(translate("MainWindow", "&Find contact"))
        self.quit_action.setText(translate("MainWindow", "&Quit"))
        self.call_menu.setTitle(translate("MainWindow", "&Call"))
        self.answer_action.setText(translate("MainWindow", "&Answer"))
        self.reject_action.setText(translate("MainWindow", "&Reject"))
        self.hangup_action.setText(translate("MainWindow", "&Hang up"))
        self.mute_action.setText(translate("MainWindow", "&Mute / unmute"))
        self.hold_action.setText(translate("MainWindow", "H&old / resume"))
        self.keypad_action.setText(translate("MainWindow", "&Keypad"))
        self.transfer_action.setText(translate("MainWindow", "&Transfer…"))
        self.end_answer_action.setText(translate("MainWindow", "&End current call and answer"))
        self.swap_action.setText(translate("MainWindow", "S&witch calls"))

    def update(self) -> None:
        """Enable what the window's calls allow now."""
        panels = list(self._window.panels.values())
        ringing = [p for p in panels if isinstance(p, IncomingPanel)]
        self.answer_action.setEnabled(bool(ringing))
        self.reject_action.setEnabled(bool(ringing))
        self.end_answer_action.setEnabled(any(p.waiting for p in ringing))
        self.swap_action.setEnabled(any(
            c.state == CallState.HELD for c in self._window.calls()))
        panel = self._window.current_panel()
        for action, button in _PANEL_BUTTONS:
            getattr(self, action).setEnabled(
                panel is not None and getattr(panel, button).isEnabled())

    def _on_current(self, action: Callable[[CallPanel], object]) -> None:
        panel = self._window.current_panel()
        if panel is not None:
            action(panel)

    def _on_incoming(self, action: Callable[[str], None]) -> None:
        ringing = [p for p in self._window.panels.values() if isinstance(p, IncomingPanel)]
        if ringing:
            action(ringing[0].info.call_id)
