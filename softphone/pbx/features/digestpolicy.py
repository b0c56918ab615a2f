"""Which digest algorithms a challenge offers, per phone (RFC 8760 section 2.4).

RFC 8760 has the server send one challenge per algorithm, in its order of preference, and
the client answer the first one it supports. Not every phone does: baresip 1.0 (libre)
gives up on the whole 401 as soon as one challenge names an algorithm other than MD5,
whatever the order. Such phones get MD5 alone, recognised by their User-Agent; everyone
else keeps the configured set, SHA-256 first. What the PBX *accepts* does not change: any
configured algorithm with a matching hash, so offering less to one phone weakens no other.

Besides, the algorithm each (account, User-Agent) last authenticated with goes first in
that pair's next challenges, remembered across restarts in SQLite. Only a successful
authentication writes it, so nobody without the password can move another account to MD5;
it is bounded by the accounts (only authenticated ones) times MAX_AGENTS each.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from pathlib import Path

from softphone.pbx.sqlite import open_db, transaction

log = logging.getLogger(__name__)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE digest_algorithms (
            account TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            algorithm TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (account, user_agent)
        ) WITHOUT ROWID""",
    ),
)
MAX_AGENTS = 8  # User-Agents remembered per account: its devices, and a firmware change
MAX_AGENT_LEN = 200  # longer User-Agent values are remembered by their start


class DigestMemory:
    """account -> User-Agent -> the algorithm that last succeeded, in SQLite."""

    def __init__(self, path: Path) -> None:
        self._db: sqlite3.Connection = open_db(path, MIGRATIONS, "digest algorithm store")
        self._seq = 0
        self._known: dict[str, OrderedDict[str, str]] = {}
        rows = self._db.execute(
            "SELECT account, user_agent, algorithm, seq FROM digest_algorithms ORDER BY seq")
        for account, agent, algorithm, seq in rows:
            self._known.setdefault(account, OrderedDict())[agent] = algorithm
            self._seq = max(self._seq, seq)

    def get(self, account: str, user_agent: str) -> str | None:
        agents = self._known.get(account)
        return None if agents is None else agents.get(user_agent[:MAX_AGENT_LEN])

    def put(self, account: str, user_agent: str, algorithm: str) -> None:
        """Called per successful authentication: writes only when something changed."""
        agent = user_agent[:MAX_AGENT_LEN]
        agents = self._known.setdefault(account, OrderedDict())
        if agents.get(agent) == algorithm:
            return
        agents[agent] = algorithm
        agents.move_to_end(agent)
        self._seq += 1
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO digest_algorithms VALUES (?, ?, ?, ?) ON CONFLICT "
                "(account, user_agent) DO UPDATE SET algorithm = excluded.algorithm, "
                "seq = excluded.seq", (account, agent, algorithm, self._seq))
            while len(agents) > MAX_AGENTS:
                oldest, _ = agents.popitem(last=False)
                self._db.execute("DELETE FROM digest_algorithms WHERE account = ? AND "
                                 "user_agent = ?", (account, oldest))

    def close(self) -> None:
        self._db.close()


class DigestPolicy:
    def __init__(self, algorithms: tuple[str, ...], md5_only_agents: tuple[str, ...],
                 memory: DigestMemory | None = None) -> None:
        self.algorithms = algorithms
        self.md5_only_agents = md5_only_agents
        self.memory = memory

    def offer(self, user_agent: str, claimed: str) -> tuple[str, ...]:
        """The algorithms to challenge a request from `user_agent` with, claiming to be
        account `claimed` (unauthenticated: it only picks among the configured set)."""
        if "MD5" in self.algorithms and user_agent.startswith(self.md5_only_agents):
            return ("MD5",)
        last = self.memory.get(claimed, user_agent) if self.memory is not None else None
        if last is None or last == self.algorithms[0] or last not in self.algorithms:
            return self.algorithms
        return (last, *(a for a in self.algorithms if a != last))

    def succeeded(self, account: str, user_agent: str, algorithm: str) -> None:
        if self.memory is not None and algorithm in self.algorithms:
            try:
                self.memory.put(account, user_agent, algorithm)
            except sqlite3.Error as exc:  # a full disk must not stop registrations
                log.warning("cannot remember the digest algorithm of %s: %s", account, exc)
