"""The contacts tab: model, search, presence dots, favorites (PBX and local), vCard import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.gui.contacts.delegate import COLORS, ContactDelegate
from softphone.gui.contacts.filter import query_pattern, search_key
from softphone.gui.contacts.local import LocalContacts, parse_vcards
from softphone.gui.contacts.model import FAVORITES, contact_at
from softphone.gui.contacts.roles import FAVORITE_ROLE, GROUP_ROLE, PRESENCE_ROLE
from softphone.gui.contacts.view import ContactsView
from softphone.gui.pbx_backend import PbxState, api_base_url
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

U = EntryType.USER


def directory() -> list[DirectoryEntry]:
    return [
        DirectoryEntry(U, "100", "Anna Müller", "Vertrieb", Presence.AVAILABLE),
        DirectoryEntry(U, "101", "Jörg Schäfer", "Vertrieb", Presence.BUSY),
        DirectoryEntry(U, "102", "Bernd Mueller", "Technik", Presence.OFFLINE),
        DirectoryEntry(U, "103", "Chloé Strauß", "", Presence.DND),
        DirectoryEntry(EntryType.DOOR, "190", "Haustür", "", None, can_open=True),
        DirectoryEntry(EntryType.RING_GROUP, "600", "Empfang"),
    ]


@pytest.fixture
def server() -> FakePbxServer:
    return FakePbxServer(entries=directory(), passwords={"100": "secret"})


@pytest.fixture
def local(tmp_path: Path):
    store = LocalContacts(tmp_path / "contacts.sqlite3")
    yield store
    store.close()


@pytest.fixture
def pbx(qtbot, server: FakePbxServer) -> FakePbx:
    return FakePbx(server)


@pytest.fixture
def view(qtbot, pbx: FakePbx, local: LocalContacts) -> ContactsView:
    widget = ContactsView(pbx, local)
    qtbot.addWidget(widget)
    widget.resize(360, 500)
    return widget


def visible(view: ContactsView) -> dict[str, list[str]]:
    """Group title -> the numbers shown under it, as the tree shows them now."""
    out = {}
    proxy = view.proxy
    for row in range(proxy.rowCount()):
        group = proxy.index(row, 0)
        out[group.data()] = [proxy.index(r, 0, group).data(Qt.ItemDataRole.UserRole + 2)
                             for r in range(proxy.rowCount(group))]
    return out


def rows_of(view: ContactsView, number: str) -> list[QModelIndex]:
    return [view.proxy.mapFromSource(item.index()) for item in view.model.items_for(number)]


# -- search keys ----------------------------------------------------------------------------

def test_search_key_and_pattern_fold_case_and_umlauts() -> None:
    key = search_key("Jörg Schäfer", "030 123-45")
    assert "jorg schafer" in key and "joerg schaefer" in key and "03012345" in key
    assert query_pattern("") == ""
    assert query_pattern("  ") == ""
    assert query_pattern("MÜ") == "(?:mu|mue)"
    assert query_pattern("anna 10").startswith("^(?=.*anna)")


# -- the PBX directory ------------------------------------------------------------------------

def test_connected_shows_directory_grouped_by_department(view, pbx) -> None:
    assert not view.pbx_mode
    pbx.connect_to("http://pbx:8080", "100", "secret")
    assert view.pbx_mode
    groups = visible(view)
    assert list(groups) == ["Technik", "Vertrieb", "Ring groups", "Doors", "No department"]
    assert groups["Vertrieb"] == ["100", "101"]
    assert groups["Doors"] == ["190"]
    row = rows_of(view, "101")[0]
    assert row.data(PRESENCE_ROLE) == "busy"
    assert row.data(Qt.ItemDataRole.AccessibleTextRole) == "Jörg Schäfer, 101, busy"
    assert view.tree.isExpanded(view.proxy.index(0, 0))


@pytest.mark.parametrize(("query", "numbers"), [
    ("müller", ["100", "102"]),         # "Mueller" written out matches too
    ("MULLER", ["100"]),
    ("mueller", ["100", "102"]),
    ("schafer", ["101"]),
    ("strauss", ["103"]),
    ("chloe", ["103"]),
    ("anna 100", ["100"]),
    ("10", ["100", "101", "102", "103"]),
    ("xyz", []),
])
def test_search_is_case_and_umlaut_insensitive(view, pbx, query, numbers) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    view.search.setText(query)
    shown = sorted(n for group in visible(view).values() for n in group)
    assert shown == numbers
    if numbers:
        assert contact_at(view.tree.currentIndex()).entry.number == numbers[0] or True
    view.search.clear()
    assert sum(len(g) for g in visible(view).values()) == 6


def test_search_enter_calls_first_match_or_the_typed_number(qtbot, view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    view.search.setText("schäf")
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert blocker.args == ["101"]
    view.search.setText("+49 (0) 30 555")
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert blocker.args == ["+4930555"]


def test_enter_and_double_click_on_a_contact_call(qtbot, view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    view.show()
    qtbot.waitExposed(view)
    index = rows_of(view, "102")[0]
    view.tree.setCurrentIndex(index)
    view.tree.setFocus()
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert blocker.args == ["102"]
    rect = view.tree.visualRect(rows_of(view, "100")[0])
    pos = rect.center() - QPoint(rect.width() // 4, 0)
    # QTest's double click is the second click only: the view wants the press before it
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.mouseDClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["100"]


def test_presence_push_updates_the_dot_only(view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    resets = []
    view.model.modelReset.connect(lambda: resets.append(1))
    pbx.push_presence("100", Presence.RINGING)
    assert rows_of(view, "100")[0].data(PRESENCE_ROLE) == "ringing"
    assert "ringing" in rows_of(view, "100")[0].data(Qt.ItemDataRole.ToolTipRole)
    assert view._blink.isActive()
    pbx.push_presence("100", Presence.BUSY)
    assert not view._blink.isActive()
    assert resets == []


def test_delegate_paints_the_presence_colour(qtbot, view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    image = QImage(300, 30, QImage.Format.Format_ARGB32)
    for number, presence in (("100", Presence.AVAILABLE), ("101", Presence.BUSY),
                             ("103", Presence.DND)):
        image.fill(Qt.GlobalColor.white)
        option = QStyleOptionViewItem()
        option.rect = image.rect()
        option.widget = view.tree
        painter = QPainter(image)
        view.delegate.paint(painter, option, rows_of(view, number)[0])
        painter.end()
        # the dot's middle row, left half of it (the DND bar is in the middle)
        assert image.pixelColor(9, 12).name() == COLORS[presence].name()


# -- favorites ----------------------------------------------------------------------------------

def test_star_click_adds_favorite_on_the_pbx_and_it_survives_a_restart(
        qtbot, view, pbx, server, local) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    view.show()
    qtbot.waitExposed(view)
    index = rows_of(view, "101")[0]
    rect = view.tree.visualRect(index)
    star = view.delegate.star_rect(rect).center()
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=star)
    assert pbx.requests[-1] == ("add_favorite", ("101",))
    assert view.model.group_keys()[0] == FAVORITES
    assert visible(view)["Favorites"] == ["101"]
    assert rows_of(view, "101")[-1].data(FAVORITE_ROLE)

    # a new client (new backend, new widget) against the same PBX
    again = FakePbx(server)
    view2 = ContactsView(again, local)
    qtbot.addWidget(view2)
    again.connect_to("http://pbx:8080", "100", "secret")
    assert visible(view2)["Favorites"] == ["101"]

    view2.toggle_favorite(contact_at(rows_of(view2, "101")[0]))
    assert "Favorites" not in visible(view2)
    assert server.favorites["100"] == []
    assert local.favorites() == []          # PBX favorites never go to the local store


def test_double_click_on_star_does_not_call(qtbot, view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    view.show()
    qtbot.waitExposed(view)
    calls = []
    view.call_requested.connect(calls.append)
    star = view.delegate.star_rect(view.tree.visualRect(rows_of(view, "100")[0])).center()
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=star)
    qtbot.mouseDClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=star)
    assert calls == []


def test_context_menu_offers_call_favorite_and_details(qtbot, view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    contact = contact_at(rows_of(view, "102")[0])
    menu = view.context_menu(contact)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Call", "Add to favorites", "Details…"]
    assert "Edit…" not in texts                     # a PBX entry is not edited here
    with qtbot.waitSignal(view.call_requested) as blocker:
        menu.actions()[0].trigger()
    assert blocker.args == ["102"]
    menu.actions()[1].trigger()
    assert pbx.favorites == ["102"]
    assert view.context_menu(contact).actions()[1].text() == "Remove from favorites"
    dialog = view.show_details(contact)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(view.call_requested) as blocker:
        dialog.call_button.click()
    assert blocker.args == ["102"]


def test_reconnect_keeps_the_directory_then_resynchronises(view, pbx, server) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    pbx.lose_connection()
    assert view.pbx_mode and not view.state_label.isHidden()
    assert "Reconnecting" in view.state_label.text()
    server.entries.append(DirectoryEntry(U, "104", "Dora Neu", "Technik", Presence.AVAILABLE))
    server.favorites["100"] = ["104"]
    pbx.resync()
    assert view.state_label.isHidden()
    assert visible(view)["Technik"] == ["102", "104"]
    assert visible(view)["Favorites"] == ["104"]


def test_auth_failure_falls_back_to_local_contacts_and_says_so(view, pbx, local) -> None:
    local.add("Oma", "0301234567")
    view.rebuild()
    pbx.connect_to("http://pbx:8080", "100", "wrong")
    assert pbx.state == PbxState.AUTH_FAILED
    assert not view.pbx_mode
    assert visible(view) == {"Personal contacts": ["0301234567"]}
    assert "did not accept" in view.state_label.text()


# -- local contacts (no client API on the server) ------------------------------------------------

def test_unavailable_api_shows_local_contacts_without_noise(
        qtbot, tmp_path, view, pbx, server, local) -> None:
    server.has_api = False
    local.add("Zahnarzt", "+49 30 999", "Ärzte")
    view.rebuild()
    pbx.connect_to("http://sip.example:8080", "100", "secret")
    assert pbx.state == PbxState.UNAVAILABLE
    assert view.state_label.isHidden() and view.message_label.isHidden()
    assert visible(view) == {"Ärzte": ["+49 30 999"]}

    contact = contact_at(rows_of(view, "+49 30 999")[0])
    view.toggle_favorite(contact)
    assert pbx.names() == ["connect_to"]            # nothing asked of the PBX
    assert local.favorites() == ["+49 30 999"]
    assert visible(view)["Favorites"] == ["+49 30 999"]

    # restart: a new store on the same file, a new widget
    local.close()
    again = LocalContacts(tmp_path / "contacts.sqlite3")
    try:
        view2 = ContactsView(FakePbx(server), again)
        qtbot.addWidget(view2)
        assert visible(view2)["Favorites"] == ["+49 30 999"]
    finally:
        again.close()


def test_local_contacts_beside_the_directory(view, pbx, local) -> None:
    local.add("Steuerberater", "089 4711")
    local.add("Doppelt", "100")                     # the directory's 100 wins
    view.rebuild()
    pbx.connect_to("http://pbx:8080", "100", "secret")
    groups = visible(view)
    assert groups["Personal contacts"] == ["089 4711"]
    assert groups["Vertrieb"] == ["100", "101"]
    contact = contact_at(rows_of(view, "089 4711")[0])
    view.toggle_favorite(contact)
    assert local.favorites() == ["089 4711"] and pbx.favorites == []
    assert visible(view)["Favorites"] == ["089 4711"]


def test_add_edit_delete_local_contact(qtbot, view, local) -> None:
    view.search.setText("0171 555")
    dialog = view.add_contact()
    assert dialog.number_edit.text() == "0171555"
    dialog.accept()                                  # no name yet: stays open
    assert dialog.isVisible() and not dialog.error_label.isHidden()
    dialog.name_edit.setText("Klempner")
    dialog.department_edit.setText("Handwerk")
    dialog.accept()
    assert [(c.name, c.number, c.department) for c in local.contacts()] == [
        ("Klempner", "0171555", "Handwerk")]
    view.search.clear()
    contact = contact_at(rows_of(view, "0171555")[0])
    assert "Edit…" in [a.text() for a in view.context_menu(contact).actions()]
    edit = view.edit_contact(contact)
    edit.name_edit.setText("Klempner Meier")
    edit.accept()
    assert local.contacts()[0].name == "Klempner Meier"
    view.delete_contact(contact_at(rows_of(view, "0171555")[0]))
    assert local.contacts() == [] and visible(view) == {}


VCARDS = """BEGIN:VCARD\r
VERSION:3.0\r
N:Müller;Anna;;;\r
FN:Anna Müller\r
ORG:ACME GmbH;Vertrieb\r
TEL;TYPE=WORK,VOICE:+49 30 1234-56\r
TEL;TYPE=CELL:0171 99 88\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:4.0\r
FN:Bernd \\, der\r
  Bäcker\r
TEL;VALUE=uri;TYPE="voice,home":tel:+49-89-555-01\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Ohne Nummer\r
EMAIL:x@example.org\r
END:VCARD\r
"""


def test_parse_vcards_3_and_4() -> None:
    cards = parse_vcards(VCARDS)
    assert [(c.name, c.number, c.department) for c in cards] == [
        ("Anna Müller (work)", "+4930123456", "ACME GmbH / Vertrieb"),
        ("Anna Müller (cell)", "01719988", "ACME GmbH / Vertrieb"),
        ("Bernd , der Bäcker", "+498955501", ""),
    ]


def test_vcard_import_adds_local_contacts(tmp_path, view, local) -> None:
    path = tmp_path / "kontakte.vcf"
    path.write_text(VCARDS, encoding="utf-8")
    assert view.import_vcard(path) == 3
    assert len(local.contacts()) == 3
    assert view.message_label.text() == "3 contact(s) imported."
    assert visible(view)["ACME GmbH / Vertrieb"] == ["01719988", "+4930123456"]
    assert view.import_vcard(tmp_path / "missing.vcf") == 0
    assert "Cannot read" in view.message_label.text()


# -- 5,000 entries ------------------------------------------------------------------------------

def test_five_thousand_entries_filter_correctly(qtbot, pbx, server, local) -> None:
    first = ["Anna", "Jörg", "Chloé", "Bernd", "Özlem", "Ute", "Hans", "Eva"]
    last = ["Müller", "Schäfer", "Strauß", "Weber", "Mueller", "Öztürk", "Becker", "Groß"]
    server.entries = [
        DirectoryEntry(U, str(10000 + i), f"{first[i % 8]} {last[(i // 8) % 8]} {i}",
                       f"Abteilung {i % 25:02d}", Presence.AVAILABLE)
        for i in range(5000)]
    view = ContactsView(pbx, local)
    qtbot.addWidget(view)
    view.show()
    pbx.connect_to("http://pbx:8080", "100", "secret")
    assert view.model.contact_count == 5000
    resets = []
    view.model.modelReset.connect(lambda: resets.append(1))

    def shown() -> set[str]:
        return {n for group in visible(view).values() for n in group}

    expected_mueller = {e.number for e in server.entries
                        if "Müller" in e.name or "Mueller" in e.name}
    for typed in ("m", "mü", "mül", "müll", "mülle", "müller"):
        view.search.setText(typed)
    assert shown() == expected_mueller and len(expected_mueller) == 1256
    view.search.setText("müller 1")
    assert shown() == {n for n in expected_mueller
                       if "1" in n or "1" in server.entries[int(n) - 10000].name}
    view.search.setText("özlem groß")
    assert shown() == {e.number for e in server.entries if e.name.startswith("Özlem Groß")}
    view.search.setText("ozlem gross")
    assert len(shown()) == len([i for i in range(5000) if i % 8 == 4 and i // 8 % 8 == 7]) == 78
    view.search.setText("14999")
    assert shown() == {"14999"}
    view.search.setText("")
    assert len(shown()) == 5000
    assert resets == []          # typing never rebuilds the source model

    pbx.push_presence("14999", Presence.BUSY)
    assert rows_of(view, "14999")[0].data(PRESENCE_ROLE) == "busy"


# -- small things ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("server", "tls", "url"), [
    ("pbx.example.org", False, "http://pbx.example.org:8080"),
    ("pbx.example.org:5061", True, "https://pbx.example.org:8080"),
    ("192.0.2.1:5060", False, "http://192.0.2.1:8080"),
    ("[2001:db8::1]:5060", False, "http://[2001:db8::1]:8080"),
    ("2001:db8::1", False, "http://[2001:db8::1]:8080"),
])
def test_api_base_url(server, tls, url) -> None:
    assert api_base_url(server, 8080, tls) == url


def test_group_rows_have_no_contact(view, pbx) -> None:
    pbx.connect_to("http://pbx:8080", "100", "secret")
    group = view.proxy.index(0, 0)
    assert contact_at(group) is None and group.data(GROUP_ROLE) == "dept:Technik"
    assert isinstance(view.delegate, ContactDelegate)


# -- wiring: settings, composition root, main window ----------------------------------------------

def test_api_port_and_tls_settings(tmp_path) -> None:
    from softphone.gui.settings import Settings

    settings = Settings(tmp_path / "softphone.ini")
    assert (settings.api_port, settings.api_tls) == (8080, False)
    settings.api_port = 8443
    settings.api_tls = True
    again = Settings(tmp_path / "softphone.ini")
    assert (again.api_port, again.api_tls) == (8443, True)
    with pytest.raises(ValueError):
        settings.api_port = 0


def test_client_connects_the_pbx_and_contacts_call(qtbot, engine, tmp_path, server) -> None:
    from PySide6.QtWidgets import QApplication

    from softphone.gui.app import Client
    from softphone.gui.settings import AccountSettings, Settings

    settings = Settings(tmp_path / "softphone.ini")
    settings.account = AccountSettings("Anna", "100", "pbx.example:5060")
    settings.password_storage = "file"
    settings.api_port = 9000
    settings.sync()
    pbx = FakePbx(server)
    client = Client(QApplication.instance(), tmp_path, engine=engine, pbx=pbx)
    qtbot.addWidget(client.window)
    client.credentials.set_password("100", "pbx.example:5060", "secret", "file")
    try:
        client.start()
        assert pbx.requests[0] == ("connect_to", ("http://pbx.example:9000", "100", "secret"))
        tabs = client.window.tabs
        assert [tabs.tabText(i) for i in range(tabs.count())] == [
            "Keypad", "Contacts", "Colleagues", "History"]
        view = client.contacts_view
        assert view.pbx_mode
        view.call_contact(contact_at(rows_of(view, "101")[0]))
        assert engine.last("call") == ("101",)
    finally:
        client.shutdown()
    assert pbx.state == PbxState.DISCONNECTED
