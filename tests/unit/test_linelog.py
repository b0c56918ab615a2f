"""The shared lines' audit log in real SQLite: newest first, per line, bounded, kept."""

from __future__ import annotations

from pathlib import Path

from softphone.pbx.linelog import LineLog, LineRecord


def test_records_survive_a_reopen_newest_first_per_line(tmp_path: Path) -> None:
    log = LineLog(tmp_path / "lines.sqlite3")
    log.record(LineRecord(1.0, "250", 1, "retrieve", "102", "100", "101"))
    log.record(LineRecord(2.0, "251", 1, "move", "100", "102", "103"))
    log.record(LineRecord(3.0, "250", 2, "barge", "100", "102", "104"))
    log.close()
    again = LineLog(tmp_path / "lines.sqlite3")
    assert [(r.at, r.action) for r in again.records("250")] == [(3.0, "barge"),
                                                                 (1.0, "retrieve")]
    assert again.records("250")[1].to_json() == {
        "at": "1970-01-01T00:00:01.000Z", "line": "250", "appearance": 1,
        "action": "retrieve", "user": "102", "previous": "100", "party": "101"}
    again.close()


def test_only_the_newest_rows_are_kept() -> None:
    log = LineLog(None, max_rows=3)
    for i in range(5):
        log.record(LineRecord(float(i), "250", 1, "move", "100"))
    assert [r.at for r in log.records("250")] == [4.0, 3.0, 2.0]
