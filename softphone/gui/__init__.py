"""The desktop client: PySide6 widgets; app.py is the composition root.

Only this package imports PySide6. The telephony engine runs in its own process and is
reached through an EngineBackend (engine_backend.py): EngineClient in production, a fake
in the tests.
"""
