"""Paints a contact row: presence dot, name, number, favorite star; the star is clickable.

Colours as on busy-lamp keys: green available, red busy, orange ringing (blinking: the view
flips `blink_on`), grey offline, purple with a white bar for do not disturb. The colour is
never the only sign: the row's accessible text and tooltip say the state in words.
"""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from softphone.common.directory import EntryType, Presence
from softphone.common.resources import resource
from softphone.gui.contacts.model import UNKNOWN, contact_at
from softphone.gui.contacts.roles import FAVORITE_ROLE, NUMBER_ROLE, PRESENCE_ROLE
from softphone.gui.door.icon import DoorIcon

COLORS = {
    Presence.AVAILABLE: QColor("#2e7d32"),
    Presence.BUSY: QColor("#c62828"),
    Presence.RINGING: QColor("#ef6c00"),
    Presence.OFFLINE: QColor("#9e9e9e"),
    Presence.DND: QColor("#8e24aa"),
}
_COLOR_OF = {state.value: color for state, color in COLORS.items()}   # by the role's str
_COLOR_OF[UNKNOWN] = QColor("#bdbdbd")      # the PBX is unreachable: a pale grey
STAR_COLOR = QColor("#f9a825")
DOT = 10            # diameter of the presence dot
STAR = 16           # size of the star's square
ICON = 16           # the door icon beside the dot (door stations only)
MARGIN = 6
Index = QModelIndex | QPersistentModelIndex


def star_polygon(rect: QRect) -> QPolygonF:
    """A five-pointed star inside `rect`."""
    cx, cy = rect.center().x() + 0.5, rect.center().y() + 0.5
    outer = min(rect.width(), rect.height()) / 2
    inner = outer * 0.45
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return QPolygonF(points)


class ContactDelegate(QStyledItemDelegate):
    """favorite_toggled(Contact) when the star of an entry row is clicked."""

    favorite_toggled = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blink_on = True
        # painted for every visible row on every keystroke: made once, moved into place
        self._star = star_polygon(QRect(0, 0, STAR - 2, STAR - 2))
        self._door_icon = DoorIcon()
        self._room_icon = DoorIcon(resource("icons", "conference.svg"))

    def icon_rect(self, rect: QRect) -> QRect:
        """Where a door row's icon is painted (after the presence dot)."""
        return QRect(rect.left() + MARGIN * 2 + DOT, rect.center().y() - ICON // 2 + 1,
                     ICON, ICON)

    def star_rect(self, rect: QRect) -> QRect:
        return QRect(rect.right() - MARGIN - STAR, rect.center().y() - STAR // 2 + 1,
                     STAR, STAR)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + DOT + ICON + STAR + 4 * MARGIN,
                     max(size.height(), STAR + 8))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        contact = contact_at(index)
        if contact is None:                     # a group row: as Qt draws it
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else None
        if style is not None:
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = QRect(opt.rect)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_dot(painter, rect, index.data(PRESENCE_ROLE) or "")
        star = self.star_rect(rect)
        favorite = bool(index.data(FAVORITE_ROLE))
        painter.setPen(QPen(STAR_COLOR if favorite else QColor("#9e9e9e"), 1.2))
        painter.setBrush(STAR_COLOR if favorite else Qt.BrushStyle.NoBrush)
        painter.drawPolygon(self._star.translated(star.left() + 1, star.top() + 1))

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette: QPalette = opt.palette  # type: ignore[attr-defined]
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_rect = rect.adjusted(MARGIN * 2 + DOT, 0, -(MARGIN * 2 + STAR), 0)
        entry = contact.entry
        if entry.type in (EntryType.DOOR, EntryType.CONFERENCE):
            icon = self.icon_rect(rect)
            mark = self._door_icon if entry.type == EntryType.DOOR else self._room_icon
            painter.drawPixmap(icon, mark.pixmap(ICON))
            text_rect.setLeft(icon.right() + MARGIN)
        number = str(index.data(NUMBER_ROLE) or "")
        if entry.type == EntryType.CONFERENCE and entry.participants:
            number = f"({entry.participants})  {number}"   # how many are in, beside it
        metrics = opt.fontMetrics  # type: ignore[attr-defined]
        number_width = metrics.horizontalAdvance(number) + MARGIN
        painter.setFont(opt.font)  # type: ignore[attr-defined]
        painter.setPen(palette.color(role))
        name = metrics.elidedText(str(index.data() or ""), Qt.TextElideMode.ElideRight,
                                  max(text_rect.width() - number_width, 0))
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text_rect, align | Qt.AlignmentFlag.AlignLeft, name)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(text_rect, align | Qt.AlignmentFlag.AlignRight, number)
        painter.restore()

    def _paint_dot(self, painter: QPainter, rect: QRect, presence: str) -> None:
        color = _COLOR_OF.get(presence)
        if color is None:
            return                              # no state known (local contact, door)
        dot = QRect(rect.left() + MARGIN, rect.center().y() - DOT // 2 + 1, DOT, DOT)
        if presence == Presence.RINGING and not self.blink_on:
            painter.setPen(QPen(color, 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
        painter.drawEllipse(dot)
        if presence == Presence.DND:               # the "no entry" sign: a white bar
            painter.setPen(QPen(QColor("white"), 2))
            y = dot.center().y() + 0.5
            painter.drawLine(QPointF(dot.left() + 2.5, y), QPointF(dot.right() - 1.5, y))

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: Index) -> bool:
        kinds = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                 QEvent.Type.MouseButtonDblClick)
        contact = contact_at(index)
        if contact is None or event.type() not in kinds or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        if event.button() != Qt.MouseButton.LeftButton:
            return super().editorEvent(event, model, option, index)
        if not self.star_rect(option.rect).contains(event.position().toPoint()):  # type: ignore[attr-defined]
            return super().editorEvent(event, model, option, index)
        # The star's clicks are the star's: no selection change, no call on double-click.
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.favorite_toggled.emit(contact)
        return True
