"""The door station simulator (`softphone-doorsim`): a door intercom as real ones behave.

MJPEG camera and snapshot over HTTP, a relay (door opener) HTTP API behind HTTP Basic
credentials, a bell button, and (with --sip-server) a SIP user agent: the door registers
as an extension, the bell calls --call with the visitor's audio, and the DTMF door code
keyed during the call opens the relay (softphone.doorsim.sip).
"""
