"""Search as you type over the contacts: case- and umlaut-insensitive, by name or number.

Cheap by construction (issue 4: under 16 ms a keystroke with 5,000 entries):
- every entry's search key is normalised once, when the model is built (search_key());
  a keystroke only normalises the query;
- matching runs in C++: the key is an item role and the query a QRegularExpression, so no
  Python code runs per row;
- a new query is applied by detaching and re-attaching the source model, which makes the
  proxy reset instead of emitting thousands of rowsRemoved/rowsInserted ranges to the view
  (measured: 745 ms for the first letter with the incremental path, 3 ms reset).
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QObject, QRegularExpression, QSortFilterProxyModel, Qt

from softphone.gui.contacts.roles import SEARCH_ROLE

SEPARATOR = "\x1f"      # between the forms in a key; "." in a pattern matches it
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NUMBER_SEPARATORS = str.maketrans("", "", " -/().\u00a0")


def strip_marks(text: str) -> str:
    """Lower case without diacritics: "Müller" -> "muller", "Łódź" -> "lodz"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def transliterate(text: str) -> str:
    """The German spelling without umlauts: "Müller" -> "mueller", "Strauß" -> "strauss"."""
    return strip_marks(text.lower().translate(_GERMAN))


def search_key(name: str, number: str) -> str:
    """What a query is matched against: both spellings of the name, the number as written
    and its digits alone ("030 123-4" -> "0301234")."""
    forms = dict.fromkeys((strip_marks(name), transliterate(name), number.casefold(),
                           number.translate(_NUMBER_SEPARATORS)))
    return SEPARATOR.join(form for form in forms if form)


def query_pattern(text: str) -> str:
    """A regular expression that a key matches when it contains every word of `text`.

    Each word is tried as typed without marks ("müller" -> "muller", found in "Müller") and
    transliterated ("muller" also as typed, "mueller" found in "Müller" and "Mueller").
    """
    parts = []
    for word in text.split():
        forms = sorted({strip_marks(word), transliterate(word)})
        escaped = [QRegularExpression.escape(form) for form in forms if form]
        if escaped:
            parts.append(escaped[0] if len(escaped) == 1 else f"(?:{'|'.join(escaped)})")
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return "^" + "".join(f"(?=.*{part})" for part in parts)


class ContactFilter(QSortFilterProxyModel):
    """Shows the entries whose search key matches the query, with their groups."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)     # a group stays while a child matches
        self.setFilterRole(SEARCH_ROLE)             # groups have an empty key: never match
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)   # keys are folded
        self.setDynamicSortFilter(True)
        self._pattern = ""
        self._regex = QRegularExpression("")

    @property
    def query_active(self) -> bool:
        return bool(self._pattern)

    def set_query(self, text: str) -> bool:
        """Filter by `text`; False (and nothing done) when it means the same as before."""
        pattern = query_pattern(text)
        if pattern == self._pattern:
            return False
        self._pattern = pattern
        self._regex = QRegularExpression(
            pattern, QRegularExpression.PatternOption.DontCaptureOption)
        source = self.sourceModel()
        if source is None:
            self.setFilterRegularExpression(self._regex)
            return True
        # Reset rather than the incremental update (see the module docstring).
        self.setSourceModel(None)  # type: ignore[arg-type]
        self.setFilterRegularExpression(self._regex)
        self.setSourceModel(source)
        return True
