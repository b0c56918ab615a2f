"""Contacts search per keystroke with a 5,000-entry directory, for bench/presence.py.

    QT_QPA_PLATFORM=offscreen python -m bench.presence_filter [ENTRIES]

The real ContactsView (model, filter proxy, tree, delegate) on a FakePbx that serves the
directory (as the real PbxClient would after its snapshot), shown offscreen at the main
window's size. Each query is typed one character at a time as key events into the view's
search field, then deleted with Backspace; a keystroke is timed with time.perf_counter()
from sending the key press to the end of QApplication.processEvents() after its release:
the text change, the proxy's new filter (a reset), expanding the tree, the delayed item
layout and the repaint of the visible rows. Twice through the queries (the first pass
includes first-use costs a user meets too).

Peer in the same process: Qt's stock recipe (a QStringListModel of "name number" strings,
QSortFilterProxyModel.setFilterFixedString, case-insensitive, a flat QListView) typed the
same way - what plain Qt costs for the same keystrokes, without groups, umlaut folding or
custom painting.

Prints one JSON line with the figures.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QSortFilterProxyModel, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from softphone.common.directory import DirectoryEntry, EntryType, Presence  # noqa: E402
from softphone.gui.contacts.local import LocalContacts  # noqa: E402
from softphone.gui.contacts.view import ContactsView  # noqa: E402
from tests.helpers.fake_pbx import FakePbx, FakePbxServer  # noqa: E402

QUERIES = ["mül", "schm", "20", "anna k", "krüger", "4711", "öz"]
FIRST = ["Anna", "Jörg", "Bernd", "Chloé", "Sören", "Lena", "Jürgen", "Björn", "Hans", "Eva",
         "Özlem", "Kai", "Grete", "Lukas", "Mia", "Paul", "Zoë", "Frank", "Ines", "Tomasz",
         "Ülkü", "René", "Aylin", "Moritz", "Käthe", "Jan", "Sophie", "Ali", "Maren", "Felix"]
LAST = ["Müller", "Mueller", "Schmidt", "Schmitz", "Schneider", "Schäfer", "Fischer", "Weber",
        "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf",
        "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
        "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid",
        "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
        "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
        "Schubert", "Yılmaz", "Kowalski", "Nowak", "Dubois", "García"]
DEPARTMENTS = ["Vertrieb", "Technik", "Buchhaltung", "Einkauf", "Lager", "Personal",
               "Marketing", "Kundendienst", "Geschäftsleitung", "IT", "Entwicklung",
               "Qualität", "Recht", "Empfang", "Logistik", "Produktion"]
STATES = [Presence.AVAILABLE, Presence.OFFLINE, Presence.BUSY, Presence.OFFLINE,
          Presence.AVAILABLE, Presence.DND, Presence.RINGING]


def directory(count: int) -> list[DirectoryEntry]:
    """A deterministic company directory: names with umlauts, 16 departments, 2000.."""
    return [DirectoryEntry(EntryType.USER, str(2000 + i),
                           f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // 30) % len(LAST)]}",
                           DEPARTMENTS[(i * 5) % len(DEPARTMENTS)], STATES[i % len(STATES)])
            for i in range(count)]


def key_of(char: str) -> Qt.Key:
    # Qt's key codes of Latin-1 letters are their upper-case code points ("ü" -> Key_Udiaeresis).
    code = ord(char.upper())
    return Qt.Key(code) if code < 0x100 else Qt.Key.Key_unknown


def keystroke(app: QApplication, target: QWidget, key: Qt.Key, text: str) -> float:
    """Milliseconds from the key press until Qt has nothing left to do for it."""
    mods = Qt.KeyboardModifier.NoModifier
    t0 = time.perf_counter()
    app.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, mods, text))
    app.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, key, mods, text))
    app.processEvents()
    return 1000 * (time.perf_counter() - t0)


def type_queries(app: QApplication, field: QLineEdit, rows: Any,
                 passes: int = 2) -> dict[str, Any]:
    typed: list[float] = []
    deleted: list[float] = []
    trace: list[dict[str, Any]] = []
    for _ in range(passes):
        for query in QUERIES:
            for char in query:
                typed.append(keystroke(app, field, key_of(char), char))
                assert field.text().endswith(char), (field.text(), char)
                trace.append({"text": field.text(), "ms": round(typed[-1], 2),
                              "rows": rows()})
            while field.text():
                deleted.append(keystroke(app, field, Qt.Key.Key_Backspace, ""))
                trace.append({"text": field.text(), "ms": round(deleted[-1], 2),
                              "rows": rows()})
    return {"typed": typed, "deleted": deleted, "trace": trace}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": round(pct(values, 50), 3),
            "p95": round(pct(values, 95), 3), "p99": round(pct(values, 99), 3),
            "max": round(max(values), 3), "mean": round(sum(values) / len(values), 3),
            "under_16ms_pct": round(100 * sum(v < 16.0 for v in values) / len(values), 1)}


def ours(app: QApplication, entries: list[DirectoryEntry], tmp: Path) -> dict[str, Any]:
    server = FakePbxServer(entries=entries, favorites={"2000": [e.number for e in entries[:8]]})
    pbx = FakePbx(server)
    local = LocalContacts(tmp / "contacts.sqlite3")
    view = ContactsView(pbx, local)
    view.resize(420, 600)
    view.show()
    QTest.qWaitForWindowExposed(view)
    t0 = time.perf_counter()
    pbx.connect_to("http://127.0.0.1:8080", "2000", "pw2000")
    app.processEvents()
    load_ms = 1000 * (time.perf_counter() - t0)
    assert view.model.contact_count == len(entries)

    def shown() -> int:
        proxy = view.proxy
        return sum(proxy.rowCount(proxy.index(r, 0)) for r in range(proxy.rowCount()))

    view.search.setFocus()
    result = type_queries(app, view.search, shown)
    result["directory_load_ms"] = round(load_ms, 1)
    view.close()
    view.deleteLater()
    app.processEvents()
    local.close()
    return result


def peer(app: QApplication, entries: list[DirectoryEntry]) -> dict[str, Any]:
    window = QWidget()
    field = QLineEdit()
    model = QStringListModel([f"{e.name} {e.number}" for e in entries])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    field.textChanged.connect(proxy.setFilterFixedString)
    listing = QListView()
    listing.setUniformItemSizes(True)
    listing.setModel(proxy)
    layout = QVBoxLayout(window)
    layout.addWidget(field)
    layout.addWidget(listing)
    window.resize(420, 600)
    window.show()
    QTest.qWaitForWindowExposed(window)
    field.setFocus()
    result = type_queries(app, field, proxy.rowCount)
    window.close()
    window.deleteLater()
    app.processEvents()
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    entries = directory(count)
    with tempfile.TemporaryDirectory(prefix="bench-filter-") as tmp:
        mine = ours(app, entries, Path(tmp))
    theirs = peer(app, entries)
    out = {
        "entries": count,
        "queries": QUERIES,
        "directory_load_ms": mine["directory_load_ms"],
        "keystroke_ms": {
            "all": summary(mine["typed"] + mine["deleted"]),
            "typed": summary(mine["typed"]),
            "deleted": summary(mine["deleted"]),
            "peer_all": summary(theirs["typed"] + theirs["deleted"]),
            "peer_typed": summary(theirs["typed"]),
            "peer_deleted": summary(theirs["deleted"]),
        },
        "trace": mine["trace"],
        "peer_trace": theirs["trace"],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
