"""Which digest algorithms each phone is offered (features/digestpolicy.py): baresip 1.0
gets MD5 alone, everyone else the configured set, and an account's device that last got in
with MD5 gets MD5 first; remembered in SQLite across restarts, bounded per account."""

from __future__ import annotations

from pathlib import Path

from softphone.pbx.features.digestpolicy import MAX_AGENTS, DigestMemory, DigestPolicy

BOTH = ("SHA-256", "MD5")
BARESIP = "baresip v1.0.0 (x86_64/linux)"


def policy(tmp_path: Path, algorithms: tuple[str, ...] = BOTH) -> DigestPolicy:
    return DigestPolicy(algorithms, ("baresip v0.", "baresip v1."),
                        DigestMemory(tmp_path / "digest.sqlite3"))


def test_baresip_is_offered_md5_alone_and_other_phones_sha256_first(tmp_path: Path) -> None:
    p = policy(tmp_path)
    assert p.offer(BARESIP, "101") == ("MD5",)
    assert p.offer("PJSUA v2.14 Linux", "101") == BOTH
    assert p.offer("", "101") == BOTH
    assert p.offer("baresip v2.9.0", "101") == BOTH  # newer libre answers SHA-256


def test_without_md5_configured_nobody_gets_it(tmp_path: Path) -> None:
    assert policy(tmp_path, ("SHA-256",)).offer(BARESIP, "101") == ("SHA-256",)


def test_md5_success_puts_md5_first_for_that_account_and_agent_only(tmp_path: Path) -> None:
    p = policy(tmp_path)
    p.succeeded("101", "OldPhone/2", "MD5")
    assert p.offer("OldPhone/2", "101") == ("MD5", "SHA-256")
    assert p.offer("OldPhone/2", "102") == BOTH       # another account: untouched
    assert p.offer("NewPhone/1", "101") == BOTH       # another device of 101: untouched
    p.succeeded("101", "OldPhone/2", "SHA-256")       # firmware upgrade: back to SHA-256
    assert p.offer("OldPhone/2", "101") == BOTH


def test_remembered_across_a_restart(tmp_path: Path) -> None:
    p = policy(tmp_path)
    p.succeeded("101", "OldPhone/2", "MD5")
    assert p.memory is not None
    p.memory.close()
    assert policy(tmp_path).offer("OldPhone/2", "101") == ("MD5", "SHA-256")


def test_an_account_remembers_at_most_max_agents(tmp_path: Path) -> None:
    p = policy(tmp_path)
    for i in range(MAX_AGENTS + 3):
        p.succeeded("101", f"Phone/{i}", "MD5")
    assert p.offer("Phone/0", "101") == BOTH          # the oldest were forgotten
    assert p.offer(f"Phone/{MAX_AGENTS + 2}", "101") == ("MD5", "SHA-256")
    assert p.memory is not None
    p.memory.close()
    reopened = policy(tmp_path)
    remembered = [i for i in range(MAX_AGENTS + 3)
                  if reopened.offer(f"Phone/{i}", "101") != BOTH]
    assert remembered == list(range(3, MAX_AGENTS + 3))
