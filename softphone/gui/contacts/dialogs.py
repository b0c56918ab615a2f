"""Small dialogs of the contacts tab: add or edit a local contact, a contact's details."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.gui.contacts.model import Contact, presence_text
from softphone.gui.widgets.dialpad import clean_number

# The base class's strings in its own context (self.tr would take the subclass's name).
translate = QCoreApplication.translate


class ContactDialog(QDialog):
    """Name, number and department of a local contact; OK only with a name and a number."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "", number: str = "",
                 department: str = "", editing: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("contactDialog")
        self._editing = editing
        self.name_edit = QLineEdit(name)
        self.number_edit = QLineEdit(number)
        self.department_edit = QLineEdit(department)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        self.labels = [QLabel() for _ in range(3)]
        form = QFormLayout()
        for label, edit in zip(self.labels, (self.name_edit, self.number_edit,
                                             self.department_edit), strict=True):
            label.setBuddy(edit)
            form.addRow(label, edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        for label in self.findChildren(QLabel):      # once the form is ours: all of them
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Edit contact") if self._editing else self.tr("New contact"))
        texts = (self.tr("&Name:"), self.tr("N&umber:"), self.tr("&Department:"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.number_edit.setPlaceholderText(self.tr("e.g. 100 or +49 30 1234567"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def values(self) -> tuple[str, str, str] | None:
        """(name, dialable number, department), or None when not valid."""
        name = self.name_edit.text().strip()
        number = clean_number(self.number_edit.text())
        if not name or not number:
            return None
        return name, number, self.department_edit.text().strip()

    def accept(self) -> None:
        if not self.name_edit.text().strip():
            self._show_error(self.tr("Enter a name."))
        elif clean_number(self.number_edit.text()) is None:
            self._show_error(self.tr("Enter a number that can be dialled."))
        else:
            super().accept()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


class EntryDetails(QDialog):
    """Base of the detail dialogs: `form` (rows of selectable text) over `buttons` (Close;
    finish() adds Call, which emits call_requested(number))."""

    call_requested = Signal(str)

    def __init__(self, entry: DirectoryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setWindowTitle(entry.name or entry.number)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

    def finish(self) -> None:
        """After the rows and any extra buttons: Call last, then the layout."""
        self.call_button = self.buttons.addButton(translate("EntryDetails", "Call"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.call_button.clicked.connect(lambda: self.call_requested.emit(self.entry.number))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        for label in self.findChildren(QLabel):      # once the form is ours: all of them
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)


class DetailsDialog(EntryDetails):
    """What is known about one contact; call_requested(number) from its Call button."""

    def __init__(self, contact: Contact, favorite: bool, parent: QWidget | None = None
                 ) -> None:
        super().__init__(contact.entry, parent)
        self.setObjectName("contactDetails")
        entry = contact.entry
        kinds = {
            EntryType.USER: self.tr("Person"),
            EntryType.RING_GROUP: self.tr("Ring group"),
            EntryType.CONFERENCE: self.tr("Conference room"),
            EntryType.DOOR: self.tr("Door"),
            EntryType.SHARED_LINE: self.tr("Shared line"),
        }
        form = self.form
        form.addRow(self.tr("Name:"), QLabel(entry.name))
        form.addRow(self.tr("Number:"), QLabel(entry.number))
        if entry.department:
            form.addRow(self.tr("Department:"), QLabel(entry.department))
        form.addRow(self.tr("Kind:"), QLabel(kinds.get(entry.type, entry.type.value)))
        if entry.presence is not None:
            form.addRow(self.tr("Status:"), QLabel(presence_text(entry.presence)))
        source = self.tr("Local contact") if contact.local else self.tr("PBX directory")
        form.addRow(self.tr("Source:"), QLabel(source))
        form.addRow(self.tr("Favorite:"), QLabel(self.tr("yes") if favorite else self.tr("no")))
        self.finish()
