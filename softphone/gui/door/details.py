"""The detail view of a door in the contacts: name, extension, whether the user may open it,
favorite star, and the ways to reach it: look at the door (video) and call it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QWidget

from softphone.common.directory import DirectoryEntry
from softphone.gui.contacts.dialogs import EntryDetails
from softphone.gui.contacts.model import presence_text


class DoorDetailsDialog(EntryDetails):
    """call_requested(number), look_requested(number), favorite_requested() (the star)."""

    look_requested = Signal(str)
    favorite_requested = Signal()

    def __init__(self, entry: DirectoryEntry, favorite: bool, parent: QWidget | None = None
                 ) -> None:
        super().__init__(entry, parent)
        self.setObjectName("doorDetails")
        if entry.can_open is None:
            allowed = self.tr("unknown")
        else:
            allowed = self.tr("yes") if entry.can_open else self.tr("no")
        self.allowed_label = QLabel(allowed)
        self.allowed_label.setObjectName("doorOpenAllowed")
        form = self.form
        form.addRow(self.tr("Name:"), QLabel(entry.name))
        form.addRow(self.tr("Extension:"), QLabel(entry.number))
        if entry.department:
            form.addRow(self.tr("Department:"), QLabel(entry.department))
        form.addRow(self.tr("Kind:"), QLabel(self.tr("Door")))
        if entry.presence is not None:
            form.addRow(self.tr("Door station:"), QLabel(presence_text(entry.presence)))
        form.addRow(self.tr("Door opening allowed:"), self.allowed_label)
        if entry.has_video is not None:
            form.addRow(self.tr("Camera:"),
                        QLabel(self.tr("yes") if entry.has_video else self.tr("no")))

        self.star_button = QPushButton()
        self.star_button.setObjectName("doorFavorite")
        self.star_button.setCheckable(True)
        self.star_button.clicked.connect(self._on_star)
        form.addRow(self.tr("Favorite:"), self.star_button)
        self.set_favorite(favorite)

        self.look_button = self.buttons.addButton(self.tr("Look at the door"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.look_button.setEnabled(entry.has_video is not False)
        self.look_button.clicked.connect(lambda: self.look_requested.emit(entry.number))
        self.finish()

    @property
    def favorite(self) -> bool:
        return self.star_button.isChecked()

    def set_favorite(self, favorite: bool) -> None:
        """Show the PBX's word on it (the click only asks)."""
        self.star_button.setChecked(favorite)
        self.star_button.setText("★ " + self.tr("Favorite") if favorite
                                 else "☆ " + self.tr("Add to favorites"))
        self.star_button.setToolTip(self.tr("Remove from favorites") if favorite
                                    else self.tr("Add to favorites"))

    def _on_star(self) -> None:
        self.star_button.setChecked(not self.star_button.isChecked())   # until the PBX says
        self.favorite_requested.emit()
