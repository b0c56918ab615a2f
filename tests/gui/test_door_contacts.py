"""Doors in the contacts: the door icon, the detail view (extension, door opening allowed,
favorite star), and "look at the door" with live video from the real door simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from softphone.gui.contacts.local import LocalContacts
from softphone.gui.contacts.model import contact_at
from softphone.gui.contacts.view import ContactsView
from softphone.gui.door.details import DoorDetailsDialog
from softphone.gui.door.window import DoorWindow
from tests.gui.doors import DOOR, GATE, marker, shown
from tests.helpers.fake_pbx import FakePbx

DOOR_COLOURS = {"#5d4037", "#8d6e63", "#a1887f"}   # frame, leaf, panels of door.svg


@pytest.fixture
def pbx(doors_pbx: FakePbx) -> FakePbx:
    return doors_pbx


@pytest.fixture
def view(qtbot, pbx: FakePbx, tmp_path: Path) -> Iterator[ContactsView]:
    local = LocalContacts(tmp_path / "contacts.sqlite3")
    widget = ContactsView(pbx, local)
    try:
        with shown(qtbot, widget, 360, 500, widget.door_windows.close_all):
            yield widget
    finally:
        local.close()


def row(view: ContactsView, number: str) -> QModelIndex:
    return view.proxy.mapFromSource(view.model.items_for(number)[0].index())


def paint_row(view: ContactsView, number: str) -> QImage:
    image = QImage(300, 30, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    option = QStyleOptionViewItem()
    option.rect = image.rect()
    option.widget = view.tree
    painter = QPainter(image)
    view.delegate.paint(painter, option, row(view, number))
    painter.end()
    return image


def test_door_row_has_the_door_icon(qtbot, view: ContactsView) -> None:
    icon = view.delegate.icon_rect(QImage(300, 30, QImage.Format.Format_ARGB32).rect())

    def colours(image: QImage) -> set[str]:
        return {image.pixelColor(x, y).name()
                for x in range(icon.left(), icon.right() + 1)
                for y in range(icon.top(), icon.bottom() + 1)}

    assert colours(paint_row(view, DOOR)) >= DOOR_COLOURS
    assert not DOOR_COLOURS & colours(paint_row(view, "100"))
    tip = row(view, DOOR).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Haustür, door, 150")


def test_door_details_say_whether_opening_is_allowed(qtbot, view: ContactsView) -> None:
    for number, allowed in ((DOOR, "yes"), (GATE, "no")):
        contact = contact_at(row(view, number))
        assert contact is not None
        dialog = view.show_details(contact)
        assert isinstance(dialog, DoorDetailsDialog)
        assert dialog.allowed_label.text() == allowed
        texts = [label.text() for label in dialog.findChildren(type(dialog.allowed_label))]
        assert "Door opening allowed:" in texts and "Extension:" in texts and number in texts
        dialog.close()
    person = contact_at(row(view, "100"))
    assert person is not None
    assert not isinstance(view.show_details(person), DoorDetailsDialog)


def test_door_favorite_star_in_the_details(qtbot, view: ContactsView, pbx: FakePbx) -> None:
    contact = contact_at(row(view, DOOR))
    assert contact is not None
    dialog = view.show_details(contact)
    assert isinstance(dialog, DoorDetailsDialog) and not dialog.favorite
    qtbot.mouseClick(dialog.star_button, Qt.MouseButton.LeftButton)
    assert pbx.requests[-1] == ("add_favorite", (DOOR,))
    assert dialog.favorite and dialog.star_button.text() == "★ Favorite"
    favorites = view.proxy.index(0, 0)
    assert favorites.data() == "Favorites"
    assert view.proxy.index(0, 0, favorites).data(Qt.ItemDataRole.UserRole + 2) == DOOR
    qtbot.mouseClick(dialog.star_button, Qt.MouseButton.LeftButton)
    assert pbx.requests[-1] == ("remove_favorite", (DOOR,))
    assert not dialog.favorite


def test_look_at_the_door_shows_its_video_then_call(qtbot, view: ContactsView,
                                                    pbx: FakePbx) -> None:
    contact = contact_at(row(view, DOOR))
    assert contact is not None
    dialog = view.show_details(contact)
    assert isinstance(dialog, DoorDetailsDialog)
    qtbot.mouseClick(dialog.look_button, Qt.MouseButton.LeftButton)
    window = view.door_windows.windows[DOOR]
    assert isinstance(window, DoorWindow) and window.isVisible()
    assert window.windowTitle() == "Door: Haustür"
    door_view = window.view
    qtbot.waitUntil(lambda: door_view.stream.state == "playing"
                    and not door_view.video.image.isNull(), timeout=8000)
    count, _ = marker(door_view.video.image)
    qtbot.waitUntil(lambda: marker(door_view.video.image)[0] > count, timeout=5000)
    assert door_view.open_button.isEnabled()
    assert view.look_at_door(DOOR) is window           # one window per door

    with qtbot.waitSignal(view.call_requested) as called:
        qtbot.mouseClick(window.call_button, Qt.MouseButton.LeftButton)
    assert called.args == [DOOR]
    assert not window.isVisible() and door_view.stream.state == "stopped"
    assert DOOR not in view.door_windows.windows


def test_context_menu_offers_look_at_the_door_for_doors_only(qtbot, view: ContactsView,
                                                             pbx: FakePbx) -> None:
    door = contact_at(row(view, GATE))
    person = contact_at(row(view, "100"))
    menu = view.context_menu(door)
    looks = [a for a in menu.actions() if a.text() == "Look at the door"]
    assert len(looks) == 1
    assert all(a.text() != "Look at the door" for a in view.context_menu(person).actions())
    looks[0].trigger()
    window = view.door_windows.windows[GATE]
    qtbot.waitUntil(lambda: window.view.stream.state == "playing", timeout=8000)
    # this user may watch, not open: the reason is in the window
    assert not window.view.open_button.isEnabled()
    assert window.view.reason_label.text() == "Your role may not open this door"
    window.close()
    assert window.view.stream.state == "stopped"
