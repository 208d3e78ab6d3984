"""What a database has committed, as a token: equal tokens, equal data.

PostgreSQL's snapshot (`pg_current_snapshot()`: xmin, xmax and the transactions in progress)
decides which committed transactions a query sees. Two equal snapshots see the same committed
transactions, so every query returns the same rows under both; any transaction that ends (commits
or rolls back) after a snapshot was taken changes every later one for good (it leaves the list in
progress, or moves xmax past it). Every write counts, whatever path it took: the ORM, the admin,
a task worker, raw SQL, another machine. The token also names the server (its address, database
and start time), so a promoted standby or a restored copy never shares one with the server it
replaced.

So a result computed from the database can be kept under the token read just before it
(api.conditional.once_per_state: the versions behind ETags): a later request reading the same
token would compute the same result. A result computed after the token was read reflects at least
what the token does; if anything ended in between, no later request reads that token again, only
requests already under way, which get something newer than what they started with, never older.

The token and the computation must read the same database: `reading()` reads the token once and,
for the block it guards, pins every read to the database it read it from (config.routers follows
`pinned()`: a read replica chosen at random per query could lag the one the token came from).

No token, and nothing kept, when the token cannot promise that: a database other than PostgreSQL
(the embedded SQLite computes every time), or a connection inside a transaction. A transaction
reads its own uncommitted rows, which no snapshot names, and one at REPEATABLE READ or above
reads its first snapshot, not the present one: only a query in autocommit (every read of a
request: the site does not wrap requests in transactions) reads what the present token says.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import connections, router

# (alias, token) of the block reading under one state, if any (alias None: not pinned).
_reading: ContextVar[tuple[str, str | None] | None] = ContextVar("committed_reading", default=None)


def state(alias: str) -> str | None:
    """The token of what database `alias` has committed, as its next query would see it."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        # The server's start names the server behind an address: after a failover that lost
        # commits, the promoted standby may reach a snapshot the old primary reached with other
        # data, and a restored copy starts its transaction ids again.
        cursor.execute("SELECT pg_current_snapshot()::text, pg_postmaster_start_time()::text")
        snapshot, started = cursor.fetchone()
    database = connection.settings_dict
    # The snapshot is the cluster's: the database's name says which data it is about.
    return f"{database['HOST']}:{database['PORT']}/{database['NAME']}@{started}@{snapshot}"


@contextlib.contextmanager
def reading() -> Iterator[str | None]:
    """Read under one state: yields its token (None: nothing may be kept) and routes every read
    of the block to the database it came from. Nested blocks share the outer one's."""
    outer = _reading.get()
    if outer is not None:
        yield outer[1]
        return
    alias = router.db_for_read(None)
    token = state(alias)
    current = _reading.set((alias, token))
    try:
        yield token
    finally:
        _reading.reset(current)


@contextlib.contextmanager
def nothing_kept() -> Iterator[None]:
    """A block in which every read under `reading()` is computed, as after a commit (the
    latency part of the bench measures that work; its throughput part measures what is kept)."""
    current = _reading.set((None, None))
    try:
        yield
    finally:
        _reading.reset(current)


def current() -> str | None:
    """The token of the `reading()` block this runs in: None outside one, or where nothing may
    be kept. A read too broad to stamp (the search page's, across every table) is versioned by
    it: it moves with any commit, and stays while nothing commits."""
    outer = _reading.get()
    return None if outer is None else outer[1]


def pinned() -> str | None:
    """The database every read goes to inside `reading()`, or None outside one."""
    outer = _reading.get()
    return None if outer is None else outer[0]
