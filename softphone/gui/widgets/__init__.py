"""Widgets of the client window; each gets its dependencies through its constructor."""
