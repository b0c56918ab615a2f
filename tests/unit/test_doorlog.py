"""The door audit log on a real SQLite file: newest first, filtered, kept across reopening,
and bounded."""

from __future__ import annotations

from pathlib import Path

from softphone.pbx.doorlog import AuditRecord, DoorLog, DoorResult


def test_records_newest_first_filtered_and_kept_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "doors.sqlite3"
    log = DoorLog(path)
    log.record(AuditRecord(1_700_000_000.5, "100", "150", DoorResult.OPENED))
    log.record(AuditRecord(1_700_000_001.0, "101", "150", DoorResult.REFUSED, "no right"))
    log.record(AuditRecord(1_700_000_002.0, "100", "151", DoorResult.FAILED, "unreachable"))
    log.close()
    log = DoorLog(path)
    try:
        assert [(r.user, r.door, r.result) for r in log.records()] == [
            ("100", "151", DoorResult.FAILED), ("101", "150", DoorResult.REFUSED),
            ("100", "150", DoorResult.OPENED)]
        assert [r.user for r in log.records(door="150", limit=1)] == ["101"]
        assert log.records()[-1].to_json() == {
            "at": "2023-11-14T22:13:20.500Z", "user": "100", "door": "150",
            "result": "opened", "reason": ""}
    finally:
        log.close()


def test_only_the_newest_rows_are_kept(tmp_path: Path) -> None:
    log = DoorLog(tmp_path / "doors.sqlite3", max_rows=3)
    try:
        for i in range(7):
            log.record(AuditRecord(float(i), f"1{i:02d}", "150", DoorResult.OPENED))
        assert [r.user for r in log.records(limit=10)] == ["106", "105", "104"]
    finally:
        log.close()
