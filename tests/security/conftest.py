"""Fixtures of the attack tests (issue 15): each test attacks the PBX the way the issue
describes and asserts what must hold."""

from tests.integration.conftest import http  # noqa: F401  (a fixture)
