"""The composition root: builds every object of the client and wires them together.

Nothing else in softphone.gui creates long-lived objects of its own accord: settings,
password store, call history, engine client, window and tray are made here and handed to
whoever needs them (no module-level singletons).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QMessageBox, QWidget

from softphone.common.directory import DirectoryEntry, UserSettings
from softphone.common.engine_protocol import AccountConfig, CallInfo
from softphone.gui import format as fmt
from softphone.gui.colleagues.tiles import ColleaguePanel
from softphone.gui.conference.calls import ConferenceCalls
from softphone.gui.conference.join import ConferenceJoiner, RoomPins
from softphone.gui.conference.pin import PinDialog
from softphone.gui.contacts.local import LocalContacts
from softphone.gui.contacts.view import ContactsView
from softphone.gui.credentials import CredentialStore
from softphone.gui.door.view import door_view_for
from softphone.gui.engine_backend import EngineBackend
from softphone.gui.engine_client import EngineClient
from softphone.gui.history import CallHistory
from softphone.gui.i18n import install_translator
from softphone.gui.logsetup import FORMATS, log_engine_events, log_pbx_events, setup_logging
from softphone.gui.main_window import MainWindow
from softphone.gui.missed import MissedCalls
from softphone.gui.names import NameLookup, party
from softphone.gui.pbx_backend import PbxBackend, PbxState, api_base_url
from softphone.gui.pbx_client import PbxClient
from softphone.gui.pbx_watch import PbxWatch
from softphone.gui.settings import Settings, default_config_dir
from softphone.gui.tray import Tray, app_icon
from softphone.gui.tray_state import TrayStatus
from softphone.gui.widgets.account_dialog import AccountDialog
from softphone.gui.widgets.history_view import HistoryView
from softphone.gui.widgets.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)
translate = QCoreApplication.translate      # with its context, so that lupdate finds it


class Client:
    """Every long-lived object of the running client, and the wiring between them."""

    def __init__(self, app: QApplication, config_dir: Path, *,
                 engine_args: Sequence[str] = (), engine: EngineBackend | None = None,
                 pbx: PbxBackend | None = None) -> None:
        self.app = app
        self.settings = Settings(config_dir / "softphone.ini")
        self.credentials = CredentialStore(self.settings, config_dir / "passwords.json")
        self.history = CallHistory(config_dir / "history.sqlite3")
        self.translator = install_translator(app, self.settings.language)
        # The engine's (and pjsip's) log goes to a file beside the settings, not the console.
        log_args = ["--log-file", str(config_dir / "engine.log"), "--log-level", "3"]
        self.engine = engine if engine is not None else EngineClient(
            app, extra_args=[*log_args, *engine_args])
        log_engine_events(self.engine)
        self._account_dialog: AccountDialog | None = None
        # Contacts, presence, favorites: the PBX's client API, or local contacts without it.
        self.local_contacts = LocalContacts(config_dir / "contacts.sqlite3")
        self.pbx = pbx if pbx is not None else PbxClient(app)
        log_pbx_events(self.pbx)
        self.contacts_view = ContactsView(self.pbx, self.local_contacts)
        # Who a number is, for the calls and the history: the directory, else local contacts.
        self.names = NameLookup(self.pbx, self.local_contacts, app)
        self.contacts_view.model.modelReset.connect(self.names.contacts_changed)
        self.history_view = HistoryView(self.history, names=self.names, me=self._me)
        # The busy-lamp field: a tile per favorite colleague.
        self.colleagues = ColleaguePanel(self.pbx)
        # A call from (or to) a door shows the door's video and its open button.
        self.window = MainWindow(
            self.engine, history_view=self.history_view, contacts_view=self.contacts_view,
            colleagues_view=self.colleagues,
            door_views=lambda number, parent: door_view_for(self.pbx, number, parent),
            names=self.names)
        icon = app_icon()
        app.setWindowIcon(icon)
        self.window.setWindowIcon(icon)
        self.tray = Tray(self.window, self.engine, icon,
                         answer=self.window.answer, reject=self.window.reject,
                         names=self.names)
        self.window.hide_on_close = self.tray.available
        # Missed calls not yet seen: a count on the History tab and on the tray icon.
        self.missed = MissedCalls(self.history, self.window, self.window.tabs,
                                  self.history_view, self.window)
        self.missed.changed.connect(self._show_missed)
        self._show_missed(self.missed.count)
        app.setQuitOnLastWindowClosed(not self.tray.available)

        # Conference rooms: the PIN asked for (or remembered) and keyed in once answered.
        self.joiner = ConferenceJoiner(
            self.engine, self.window.call, RoomPins(), ask=self._ask_room_pin,
            me=self._me,
            parent=self.window)
        self.contacts_view.room_join_requested.connect(self.joiner.join)
        self.pbx.conference_event.connect(self.joiner.on_conference_event)
        # In a conference call: who is in the room, beside the calls.
        self.room_dock = QDockWidget(self.window)
        self.room_dock.setObjectName("conference_room")
        self.room_dock.hide()
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.room_dock)
        self.room_calls = ConferenceCalls(self.engine, self.pbx, me=self._me,
                                          show=self._show_room, parent=self.window)
        # After the window's own "call ended" line: the room's reason in words replaces it.
        self.joiner.explained.connect(lambda text: self.window.status.showMessage(text, 10000))
        self.window.call_ended.connect(self._record_call)
        self.colleagues.call_requested.connect(self.window.call)
        # Directed pickup by the PBX's feature code; the PBX then names the caller.
        self.colleagues.pickup_requested.connect(lambda number: self.window.call(f"**{number}"))
        self.colleagues.transfer_requested.connect(self.window.transfer_to)
        # A PBX that stops answering: said in the status bar, its calls ended with a reason.
        self.pbx_watch = PbxWatch(self.pbx, self.engine, self.window.calls, parent=self.window)
        self.pbx_watch.reachable_changed.connect(self.window.status.set_pbx_reachable)
        self.pbx_watch.call_lost.connect(self._call_lost)
        # The tray icon's colour: available, ringing, in a call, DND, unreachable.
        self.tray_status = TrayStatus(self.window)
        self.tray_status.changed.connect(self.tray.set_state)
        self.engine.call_changed.connect(self.tray_status.on_call)
        self.engine.registration_changed.connect(self.tray_status.on_registration)
        self.pbx_watch.reachable_changed.connect(self.tray_status.set_reachable)
        self.pbx.settings_changed.connect(lambda s: self.tray_status.set_dnd(s.dnd))
        self.pbx.settings_changed.connect(self._pbx_settings)
        self.window.account_requested.connect(self.open_account_dialog)
        self.window.settings_requested.connect(self.open_settings_dialog)
        self.window.quit_requested.connect(self.request_quit)
        self.tray.quit_requested.connect(self.request_quit)
        self._quit_box: QMessageBox | None = None
        self.quit = app.quit        # what request_quit() ends with
        app.aboutToQuit.connect(self.shutdown)

    def request_quit(self) -> None:
        """Quit, but ask first while calls are going on: quitting would hang them up."""
        if not self.window.calls():
            self.quit()
            return
        if self._quit_box is not None:
            self._quit_box.raise_()
            return
        if not self.window.isVisible():
            self.tray.show_window()
        box = self._quit_box = QMessageBox(
            QMessageBox.Icon.Question, translate("MainWindow", "Quit during a call?"),
            translate("MainWindow", "Quitting hangs up the calls in progress."),
            QMessageBox.StandardButton.Cancel, self.window)
        quit_button = box.addButton(translate("MainWindow", "Hang up and quit"),
                                    QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def done(_result: int) -> None:
            self._quit_box = None
            box.deleteLater()
            if box.clickedButton() is quit_button:
                self.quit()

        box.finished.connect(done)
        box.open()

    def _me(self) -> str:
        return self.settings.account.user if self.settings.account else ""

    def _show_room(self, panel: QWidget | None) -> None:
        if panel is not None:
            self.room_dock.setWidget(panel)
        self.room_dock.setVisible(panel is not None)

    def _ask_room_pin(self, entry: DirectoryEntry) -> tuple[str, bool] | None:
        dialog = PinDialog(entry.name, entry.number, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.pin, dialog.remember

    def start(self, minimized: bool = False) -> None:
        try:
            self.engine.start()
        except OSError as exc:
            log.error("cannot start the telephony engine: %s", exc)
            self.window.status.show_error(str(exc))
        account = self.settings.account
        password = (self.credentials.get_password(account.user, account.server)
                    if account is not None else None)
        if account is not None and password is not None:
            config = AccountConfig(
                user=account.user, password=password, server=account.server,
                transport=account.transport, display_name=account.display_name)
            self.engine.set_account(config)
            self._connect_pbx(config)
        if account is not None:
            self.window.set_identity(account.display_name, account.user)
        audio = (self.settings.audio_input, self.settings.audio_output,
                 self.settings.audio_ringer)
        if any(device is not None for device in audio):
            self.engine.request_set_audio(*audio)
        self.apply_call_settings()

        if minimized or self.settings.start_minimized:
            if not self.tray.available:
                self.window.showMinimized()     # no tray to come back from: stay reachable
        else:
            self.window.show()
        if account is None or password is None:
            # first start, or a password that is not stored: ask for it
            QTimer.singleShot(0, self.open_account_dialog)

    def shutdown(self) -> None:
        self.window.stop_door_videos()      # no decoding thread may outlive its widget
        self.contacts_view.door_windows.close_all()
        self.pbx.disconnect()
        self.engine.stop()
        self.tray.close()
        self.settings.sync()
        self.history.close()
        self.names.close()
        self.local_contacts.close()

    def _connect_pbx(self, config: AccountConfig) -> None:
        # The API is on the SIP server's host; a server without it leaves local contacts.
        url = api_base_url(config.server, self.settings.api_port, self.settings.api_tls)
        self.pbx.connect_to(url, config.user, config.password)

    def _record_call(self, info: CallInfo, rejected: bool) -> None:
        # The name as it is now, at the call's end: the history keeps who it was then.
        name, _number = party(info, self.names)
        self.history.record(info, rejected=rejected, name=name)
        self.history_view.refresh()
        self.missed.refresh()

    def _call_lost(self, info: CallInfo) -> None:
        # After the window's own "call ended" line, which cannot know why.
        self.window.status.showMessage(
            f"{fmt.remote(info, self.names)}: {fmt.call_lost()}", 10000)

    def _show_missed(self, count: int) -> None:
        self.window.set_missed_count(count)
        self.tray.set_missed(count)

    def open_account_dialog(self) -> None:
        if not self.window.isVisible():
            self.tray.show_window()
        if self._account_dialog is not None:
            self._account_dialog.raise_()
            return
        dialog = self._account_dialog = AccountDialog(self.settings, self.credentials,
                                                      self.window)

        def done(result: int) -> None:
            config = dialog.account_config()
            if result == QDialog.DialogCode.Accepted and config is not None:
                self.engine.set_account(config)
                self._connect_pbx(config)
                self.window.set_identity(config.display_name, config.user)
            self._account_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def open_settings_dialog(self) -> None:
        dialog = SettingsDialog(self.settings, self.engine.audio_status, self.window)
        dialog.audio_changed.connect(self.engine.request_set_audio)
        dialog.language_changed.connect(self._set_language)
        dialog.call_settings_changed.connect(self.apply_call_settings)
        self.engine.audio_changed.connect(dialog.set_audio_status)

        def done(_result: int) -> None:
            self.engine.audio_changed.disconnect(dialog.set_audio_status)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def apply_call_settings(self) -> None:
        """Call waiting and its knock, from the settings to the window, the engine and the
        PBX. Without call waiting the engine does not knock either: the client rejects the
        second call at once, and not even the first beep should reach the headset. On our
        PBX the setting is the extension's (every device, and busy from the PBX itself)."""
        self._apply_call_waiting_locally()
        if self.pbx.state == PbxState.CONNECTED and (
                self.pbx.settings is None
                or self.pbx.settings.call_waiting != self.settings.call_waiting):
            self.pbx.request_settings_update({"call_waiting": self.settings.call_waiting})

    def _apply_call_waiting_locally(self) -> None:
        self.window.call_waiting = self.settings.call_waiting
        self.engine.request_set_call_waiting_tone(
            self.settings.call_waiting and self.settings.knock_tone)

    def _pbx_settings(self, settings: UserSettings) -> None:
        """The extension's settings from the PBX (at login, or changed on another device)."""
        if settings.call_waiting != self.settings.call_waiting:
            self.settings.call_waiting = settings.call_waiting
            self._apply_call_waiting_locally()

    def _set_language(self, language: str) -> None:
        # Widgets retranslate themselves on the LanguageChange event this sends.
        self.translator = install_translator(self.app, language)


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="softphone", description="Desktop softphone")
    parser.add_argument("--config-dir", type=Path, default=None,
                        help="where settings, call history and password file are kept")
    parser.add_argument("--minimized", action="store_true",
                        help="start hidden in the tray (minimized without a tray)")
    parser.add_argument("--engine-arg", action="append", default=[], metavar="ARG",
                        help="pass ARG on to the telephony engine (repeatable)")
    parser.add_argument("--log-format", choices=FORMATS, default="text",
                        help="json: one JSON object per line on stderr, with an event field")
    return parser.parse_known_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args, qt_args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(args.log_format)
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("softphone")
    app.setApplicationDisplayName("Softphone")
    app.setDesktopFileName("softphone")
    config_dir = args.config_dir or default_config_dir()
    client = Client(app, config_dir, engine_args=args.engine_arg)
    client.start(minimized=args.minimized)

    # Ctrl+C in the terminal quits cleanly; the timer lets Python run its signal handler.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QTimer(app, interval=500)
    wake.timeout.connect(lambda: None)
    wake.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
