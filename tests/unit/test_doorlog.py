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
            "id": 1, "at": "2023-11-14T22:13:20.500Z", "user": "100", "door": "150",
            "result": "opened", "reason": ""}
    finally:
        log.close()


def test_records_are_kept_by_age_not_by_count(tmp_path: Path) -> None:
    day = 86400.0
    log = DoorLog(tmp_path / "doors.sqlite3", keep_seconds=30 * day)
    try:
        for i in range(5):
            log.record(AuditRecord(i * 10 * day, f"1{i:02d}", "150", DoorResult.OPENED))
        # Written at day 40: days 0 and 5 are older than 30 days, day 10 is not.
        assert [r.user for r in log.records(limit=10)] == ["104", "103", "102", "101"]
        many = [log.record(AuditRecord(40 * day, "105", "150", DoorResult.REFUSED))
                for _ in range(200)]
        assert len(log.records(limit=1000)) == 204          # no count pushes records out
        page = log.records(limit=3, before=many[0] + 1)
        assert [(r.id, r.user) for r in page] == [(many[0], "105"), (many[0] - 1, "104"),
                                                  (many[0] - 2, "103")]
    finally:
        log.close()


def test_an_opening_is_recorded_first_and_finished_after(tmp_path: Path) -> None:
    log = DoorLog(tmp_path / "doors.sqlite3")
    try:
        row = log.record(AuditRecord(1.0, "100", "150", DoorResult.OPENING))
        assert log.records()[0].result is DoorResult.OPENING
        log.finish(row, DoorResult.FAILED, "door_unreachable")
        assert [(r.result, r.reason) for r in log.records()] == [
            (DoorResult.FAILED, "door_unreachable")]
    finally:
        log.close()
