"""Door-station video: MJPEG over HTTP decoded with PyAV off the GUI thread, and its widget."""

from softphone.gui.video.widget import VideoWidget
from softphone.gui.video.worker import VideoStream

__all__ = ["VideoStream", "VideoWidget"]
