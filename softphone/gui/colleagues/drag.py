"""A call dragged from its panel (widgets/call_panel.py) onto a colleague's tile: its id."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

CALL_MIME = "application/x-softphone-call"


def call_mime(call_id: str) -> QMimeData:
    data = QMimeData()
    data.setData(CALL_MIME, call_id.encode())
    return data


def dragged_call(data: QMimeData) -> str:
    """The id of the call in a drag's data, or ""."""
    return bytes(data.data(CALL_MIME).data()).decode() if data.hasFormat(CALL_MIME) else ""
