"""Read replicas: reads go to a replica, writes and migrations to the primary ("default").

Enabled by settings only when DATABASE_REPLICA_URLS lists replicas (comma-separated URLs). Reads
inside a transaction stay on the primary, so a service that writes and then re-reads (a status
refresh after adding an attribution) sees its own writes instead of a lagging replica. Reads
under one committed state (api.committed.reading: the versions behind ETags) stay on the database
that state was read from.
"""

import random
from collections.abc import Iterable

import dj_database_url
from django.conf import settings
from django.db import connections

from api import committed

PRIMARY = "default"
REPLICA_PREFIX = "replica_"


def replica_databases(urls: Iterable[str], conn_max_age: int = 0) -> dict[str, dict]:
    """DATABASES entries replica_0, replica_1… for the given URLs; tests mirror the primary."""
    entries = {}
    for i, url in enumerate(urls):
        entry = dj_database_url.parse(url, conn_max_age=conn_max_age)
        entry["TEST"] = {"MIRROR": PRIMARY}
        entries[f"{REPLICA_PREFIX}{i}"] = entry
    return entries


class ReplicaRouter:
    def __init__(self, replicas: Iterable[str] | None = None):
        self._replicas = tuple(replicas) if replicas is not None else None

    @property
    def replicas(self) -> tuple[str, ...]:
        if self._replicas is None:
            return tuple(a for a in settings.DATABASES if a.startswith(REPLICA_PREFIX))
        return self._replicas

    def db_for_read(self, model, **hints):
        pinned = committed.pinned()  # the reads of one state stay on its database
        if pinned is not None:
            return pinned
        if not self.replicas or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return random.choice(self.replicas)

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
