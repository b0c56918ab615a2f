"""Item data roles of the contacts model, shared by model, filter, delegate and view."""

from __future__ import annotations

from PySide6.QtCore import Qt

_USER = Qt.ItemDataRole.UserRole
CONTACT_ROLE = _USER + 1        # the Contact of an entry row (None on group rows)
NUMBER_ROLE = _USER + 2         # str
PRESENCE_ROLE = _USER + 3       # a Presence value as str, "" when not known
FAVORITE_ROLE = _USER + 4       # bool
SEARCH_ROLE = _USER + 5         # the folded search key ("" on group rows)
GROUP_ROLE = _USER + 6          # the group's key on group rows ("" on entry rows)
