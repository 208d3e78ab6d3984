"""How the web processes hold their PostgreSQL connections, chosen from the environment.

`DB_POOLER` names who pools the connections (docs/scaling.md, "Connections"):

- `pool` (the default): Django's psycopg pool, one per web process. Each gunicorn worker keeps
  between `DB_POOL_MIN` and `DB_POOL_MAX` open connections and its threads borrow them; the pool
  checks a connection before lending it. Sizing rule: `DB_POOL_MAX` >= gunicorn `--threads` (a
  thread never waits for a connection), and the sum over every process that connects (web
  workers x `DB_POOL_MAX` on every host, plus task workers, cron and admin sessions) stays below
  PostgreSQL's `max_connections` minus headroom (its reserved superuser slots, replication and a
  migration).
- `transaction`: an external pooler in transaction mode (PgBouncer `pool_mode = transaction`) in
  front of PostgreSQL. Django keeps no pool of its own, keeps its connection to the pooler across
  requests (`CONN_MAX_AGE`, health-checked) and never uses server-side cursors, which do not
  survive a pooler that hands each transaction a different server connection. (Django's psycopg
  backend already binds parameters client-side, so no prepared statement is left behind either.)
- `none`: no pool; each thread keeps its own connection for `CONN_MAX_AGE` seconds, checked
  before reuse (an external pooler in session mode also fits here).

`CONN_MAX_AGE` and the pool are exclusive (Django refuses both), so setting `CONN_MAX_AGE` with
the pool is a configuration error rather than a silent choice. SQLite entries are left as parsed.

Connections to PostgreSQL itself (`pool`, `none`) start with `jit = off` and
`max_parallel_workers_per_gather = 0` (SESSION_SETTINGS). JIT: the planner's cost of the
searches' and filters' sub-queries passes the JIT threshold, and compiling their expressions took
446 of the 483 ms of a name search at scale 1, for queries that then run in milliseconds.
Parallel workers: a request's query is short, and starting workers for it costs more than they
save (the speaker filter 108 -> 34 ms, the event figures 60 -> 33 ms at scale 1), and under load
every request's workers compete for the same cores. A pooler in transaction mode refuses
start-up options: set them on the server for the role the site connects as (`ALTER ROLE <role>
SET jit = off` and `... SET max_parallel_workers_per_gather = 0`, docs/scaling.md). Jobs that
scan a whole table (an export, the feed rebuild) may set it back in their own session.
"""

import os
from collections.abc import Mapping

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POOL, TRANSACTION, NONE = "pool", "transaction", "none"
POOLERS = (POOL, TRANSACTION, NONE)
# Seconds a thread keeps its connection without the pool (to PostgreSQL or to the pooler).
PERSISTENT_SECONDS = 600
# Defaults sized for the README's production line: gunicorn --workers 2 --threads 4.
POOL_MIN, POOL_MAX, POOL_TIMEOUT = 2, 4, 10.0
# Settings of every session on PostgreSQL itself, as libpq start-up options (see above).
SESSION_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}
START_UP_OPTIONS = " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())


def _int(environ: Mapping[str, str], name: str, default: int, least: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < least:
        raise ImproperlyConfigured(f"{name} must be at least {least}, not {value}.")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be above 0, not {value}.")
    return value


def pooler(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get("DB_POOLER", "").strip().lower() or POOL
    if value not in POOLERS:
        raise ImproperlyConfigured(f"DB_POOLER must be one of {', '.join(POOLERS)}, not {value!r}.")
    return value


def configure(entry: dict, environ: Mapping[str, str] = os.environ) -> dict:
    """The DATABASES entry with the connection handling `DB_POOLER` asks for (PostgreSQL only)."""
    if "postgresql" not in entry["ENGINE"]:
        entry["CONN_MAX_AGE"] = _int(environ, "CONN_MAX_AGE", 0, least=0)
        return entry
    mode = pooler(environ)
    options = entry.setdefault("OPTIONS", {})
    entry["CONN_HEALTH_CHECKS"] = True
    if mode != TRANSACTION:
        options["options"] = " ".join(filter(None, (options.get("options"), START_UP_OPTIONS)))
    if mode != POOL:
        options.pop("pool", None)  # a ?pool=true in the URL loses to the explicit choice
        entry["CONN_MAX_AGE"] = _int(environ, "CONN_MAX_AGE", PERSISTENT_SECONDS, least=0)
        entry["DISABLE_SERVER_SIDE_CURSORS"] = mode == TRANSACTION
        return entry
    if _int(environ, "CONN_MAX_AGE", 0, least=0):
        raise ImproperlyConfigured(
            "CONN_MAX_AGE cannot be combined with the connection pool (DB_POOLER=pool, the "
            "default): unset it, or set DB_POOLER=none for persistent connections without a pool."
        )
    from psycopg_pool import ConnectionPool

    low = _int(environ, "DB_POOL_MIN", POOL_MIN, least=0)
    high = _int(environ, "DB_POOL_MAX", max(POOL_MAX, low), least=1)
    if low > high:
        raise ImproperlyConfigured(f"DB_POOL_MIN ({low}) must not exceed DB_POOL_MAX ({high}).")
    entry["CONN_MAX_AGE"] = 0
    options["pool"] = {
        "min_size": low,
        "max_size": high,
        # Seconds a request waits for a free connection before failing.
        "timeout": _float(environ, "DB_POOL_TIMEOUT", POOL_TIMEOUT),
        # A connection the server or a network hop dropped is replaced before it is lent out.
        "check": ConnectionPool.check_connection,
    }
    return entry


def database(url: str, environ: Mapping[str, str] = os.environ) -> dict:
    """A DATABASES entry for `url` (dj-database-url syntax), configured as above."""
    return configure(dj_database_url.parse(url), environ)
