"""The telephony engine process (``softphone-engine``): the only importer of pjsua2 and
sounddevice.  See main.py for the process, DESIGN.md for why it is a process of its own."""
