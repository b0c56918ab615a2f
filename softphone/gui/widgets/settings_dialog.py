"""The settings dialog: audio devices, call waiting and its knock, language, start minimized.

Every change takes effect at once (no OK/Apply): a device choice is saved and announced
with audio_changed (the app passes it down to the engine; this works during a call), a
language choice with language_changed (the app installs the translator), the call waiting
switches with call_settings_changed (the app tells the window and the engine).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from softphone.common.engine_protocol import AudioStatus, ErrorCode
from softphone.gui.i18n import available_languages
from softphone.gui.settings import Settings

WARNING_STYLE = "color: #c62828;"


class SettingsDialog(QDialog):
    audio_changed = Signal(object, object, object)   # input, output, ringer: str | None
    language_changed = Signal(str)
    call_settings_changed = Signal()

    def __init__(
        self, settings: Settings, audio: AudioStatus, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._audio = audio

        self.input_combo = QComboBox()
        self.output_combo = QComboBox()
        self.ringer_combo = QComboBox()
        self.null_audio_note = QLabel()
        self.audio_error_note = QLabel()
        for note in (self.null_audio_note, self.audio_error_note):
            note.setWordWrap(True)
            note.setStyleSheet(WARNING_STYLE)
        self.audio_box = QGroupBox()
        self.input_label, self.output_label, self.ringer_label = QLabel(), QLabel(), QLabel()
        self.audio_form = QFormLayout()
        for label, combo in ((self.input_label, self.input_combo),
                             (self.output_label, self.output_combo),
                             (self.ringer_label, self.ringer_combo)):
            label.setBuddy(combo)
            self.audio_form.addRow(label, combo)
        audio_layout = QVBoxLayout(self.audio_box)
        audio_layout.addLayout(self.audio_form)
        audio_layout.addWidget(self.null_audio_note)
        audio_layout.addWidget(self.audio_error_note)

        self.call_waiting = QCheckBox()
        self.call_waiting.setChecked(settings.call_waiting)
        self.knock_tone = QCheckBox()
        self.knock_tone.setChecked(settings.knock_tone)
        self.knock_tone.setEnabled(settings.call_waiting)
        self.calls_box = QGroupBox()
        calls_layout = QVBoxLayout(self.calls_box)
        calls_layout.addWidget(self.call_waiting)
        calls_layout.addWidget(self.knock_tone)

        self.language_combo = QComboBox()
        self.start_minimized = QCheckBox()
        self.start_minimized.setChecked(settings.start_minimized)
        self.general_box = QGroupBox()
        self.general_form = QFormLayout(self.general_box)
        self.language_label = QLabel()
        self.language_label.setBuddy(self.language_combo)
        self.general_form.addRow(self.language_label, self.language_combo)
        self.general_form.addRow(self.start_minimized)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.audio_box)
        layout.addWidget(self.calls_box)
        layout.addWidget(self.general_box)
        layout.addWidget(self.buttons)

        self.retranslate_ui()          # fills the combos, too
        for combo in (self.input_combo, self.output_combo, self.ringer_combo):
            combo.activated.connect(self._on_audio_chosen)
        self.language_combo.activated.connect(self._on_language_chosen)
        self.start_minimized.toggled.connect(self._on_start_minimized)
        self.call_waiting.toggled.connect(self._on_call_waiting)
        self.knock_tone.toggled.connect(self._on_knock_tone)

    # -- audio ----------------------------------------------------------------------------

    def set_audio_status(self, audio: AudioStatus) -> None:
        """Refresh the device lists (devices plugged in or out), keeping the choices."""
        self._audio = audio
        self._fill_devices()

    def _fill_devices(self) -> None:
        audio = self._audio
        inputs = [d.name for d in audio.devices if d.inputs > 0]
        outputs = [d.name for d in audio.devices if d.outputs > 0]
        self._fill(self.input_combo, inputs, self._settings.audio_input)
        self._fill(self.output_combo, outputs, self._settings.audio_output)
        self._fill(self.ringer_combo, outputs, self._settings.audio_ringer)
        self.null_audio_note.setVisible(audio.null_audio)
        self.audio_error_note.setVisible(audio.error == ErrorCode.AUDIO_DEVICE.value)

    def _fill(self, combo: QComboBox, names: list[str], chosen: str | None) -> None:
        blocked = combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("System default"), None)
        for name in names:
            combo.addItem(name, name)
        if chosen is not None and chosen not in names:
            # Unplugged: keep the user's choice visible (and chosen) instead of silently
            # switching to another device; it is used again once it is back.
            combo.addItem(self.tr("{device} (not connected)").format(device=chosen), chosen)
        combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen is not None else 0)
        combo.blockSignals(blocked)

    def chosen_devices(self) -> tuple[str | None, str | None, str | None]:
        return (
            self.input_combo.currentData(),
            self.output_combo.currentData(),
            self.ringer_combo.currentData(),
        )

    def _on_audio_chosen(self, _index: int) -> None:
        audio_input, audio_output, ringer = self.chosen_devices()
        self._settings.audio_input = audio_input
        self._settings.audio_output = audio_output
        self._settings.audio_ringer = ringer
        self._settings.sync()
        self.audio_changed.emit(audio_input, audio_output, ringer)

    # -- calls ------------------------------------------------------------------------------

    def _on_call_waiting(self, checked: bool) -> None:
        self._settings.call_waiting = checked
        self._settings.sync()
        self.knock_tone.setEnabled(checked)
        self.call_settings_changed.emit()

    def _on_knock_tone(self, checked: bool) -> None:
        self._settings.knock_tone = checked
        self._settings.sync()
        self.call_settings_changed.emit()

    # -- general ----------------------------------------------------------------------------

    def _fill_languages(self) -> None:
        combo = self.language_combo
        blocked = combo.blockSignals(True)
        combo.clear()
        for code, name in available_languages():
            combo.addItem(name, code)
        combo.setCurrentIndex(max(0, combo.findData(self._settings.language)))
        combo.blockSignals(blocked)

    def _on_language_chosen(self, _index: int) -> None:
        language = self.language_combo.currentData()
        if language == self._settings.language:
            return
        self._settings.language = language
        self._settings.sync()
        self.language_changed.emit(language)

    def _on_start_minimized(self, checked: bool) -> None:
        self._settings.start_minimized = checked
        self._settings.sync()

    # -- translation -------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.audio_box.setTitle(self.tr("Audio"))
        self.input_label.setText(self.tr("&Microphone:"))
        self.output_label.setText(self.tr("S&peaker:"))
        self.ringer_label.setText(self.tr("&Ringer:"))
        self.null_audio_note.setText(
            self.tr("No audio device found: calls connect but you will hear nothing."))
        self.audio_error_note.setText(
            self.tr("The chosen audio device could not be opened. Choose another one."))
        self.calls_box.setTitle(self.tr("Calls"))
        self.call_waiting.setText(self.tr("Call &waiting"))
        self.call_waiting.setToolTip(self.tr(
            "A second call may ring during a call; when off, callers get busy"))
        self.knock_tone.setText(self.tr("&Knock tone"))
        self.knock_tone.setToolTip(self.tr(
            "A short double beep in your headset every few seconds, instead of ringing"))
        self.general_box.setTitle(self.tr("General"))
        self.language_label.setText(self.tr("&Language:"))
        self.start_minimized.setText(self.tr("&Start minimized"))
        self._fill_devices()
        self._fill_languages()
