"""The door station simulator (`softphone-doorsim`): a door intercom as real ones behave.

MJPEG camera and snapshot over HTTP, a relay (door opener) HTTP API behind HTTP Basic
credentials and a bell button; the SIP user agent the bell will call through comes later
(see `DoorStation.on_bell`).
"""
