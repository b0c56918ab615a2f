"""Location.on_change fires when the set of registered devices changes, not on refreshes."""

from __future__ import annotations

from pathlib import Path

from softphone.pbx.features.location import Location
from softphone.pbx.store import Binding, Store


def binding(contact: str, expires_at: float) -> Binding:
    return Binding(aor="100", contact=contact, expires_at=expires_at, source=("10.0.0.1", 5060),
                   transport="udp", call_id="c", cseq=1)


def test_on_change_for_new_expired_and_removed_bindings_only(tmp_path: Path) -> None:
    now = [1000.0]
    changes: list[str] = []
    store = Store(tmp_path / "db.sqlite3")
    location = Location(store, lambda: now[0], on_change=changes.append)
    location.put(binding("sip:a@x", 1060))
    assert changes == ["100"]
    location.put(binding("sip:a@x", 1120))            # a refresh: nothing watched changed
    assert changes == ["100"]
    location.put(binding("sip:b@x", 1060))            # a second device
    assert changes == ["100", "100"]
    now[0] = 1200.0                                    # b expired, not yet swept
    location.put(binding("sip:b@x", 1260))            # registering again is a change
    assert changes == ["100"] * 3
    location.remove("100", "sip:a@x")
    assert changes == ["100"] * 4
    assert [b.contact for b in location.bindings("100")] == ["sip:b@x"]
    store.close()
