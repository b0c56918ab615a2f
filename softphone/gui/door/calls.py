"""The door's video in the calls list: DoorCalls gives a ringing door's IncomingPanel its
live picture (before answering, open button hidden), hands the same view on to the
CallPanel when the call is answered (or makes one when we called the door), and stops the
video when the call's panel goes.

The main window owns one DoorCalls and tells it about its panels; it never looks at doors
itself. Without a factory (no PBX client API) nothing here does anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QWidget

from softphone.common.engine_protocol import CallInfo
from softphone.gui.door.view import DoorView
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import IncomingPanel

# Makes the video view of a door (number, parent), or None when the number is no door.
DoorViewFactory = Callable[[str, QWidget], DoorView | None]


class DoorCalls:
    """ringing(info, panel); take(old) + answered(info, view, panel); ended(panel)."""

    def __init__(self, views: DoorViewFactory | None) -> None:
        self._views = views

    def ringing(self, info: CallInfo, panel: IncomingPanel) -> None:
        """A new incoming call: a door shows who is there first (no open button yet)."""
        view = self._view(info, panel)
        if view is not None:
            view.set_open_visible(False)
            panel.set_door_view(view)
            view.start()

    @staticmethod
    def take(panel: CallPanel | IncomingPanel | None) -> DoorView | None:
        """The video of a ringing door's panel, handed on before that panel goes."""
        view = panel.take_door_view() if isinstance(panel, IncomingPanel) else None
        return view if isinstance(view, DoorView) else None

    def answered(self, info: CallInfo, view: DoorView | None, panel: CallPanel) -> None:
        """The call is in conversation in `panel`; `view`: the video taken from its
        ringing panel (it goes on playing), else one starts now if we called a door."""
        if view is None:
            view = self._view(info, panel)
            if view is None:
                return
            view.start()
        view.set_open_visible(True)
        panel.set_door_view(view)

    @staticmethod
    def ended(panel: CallPanel | IncomingPanel) -> None:
        """The panel goes (the call ended or was answered): so does a video still in it."""
        if isinstance(panel.door_view, DoorView):
            panel.door_view.stop()

    def stop_all(self, panels: Iterable[CallPanel | IncomingPanel]) -> None:
        for panel in panels:
            self.ended(panel)

    def _view(self, info: CallInfo, parent: QWidget) -> DoorView | None:
        if self._views is None or not info.remote_number:
            return None
        return self._views(info.remote_number, parent)
