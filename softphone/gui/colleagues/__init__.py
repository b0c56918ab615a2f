"""The colleague panel (busy-lamp field): a tile per favorite with its live state."""
