"""Typed readers for settings that come from the environment.

Each raises ImproperlyConfigured on a value it cannot read, so a typo in a deployment fails at
start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The {name} environment variable is required.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


CACHE_SCHEMES = ("redis://", "rediss://", "unix://")


def env_cache(name: str) -> dict:
    """The default cache: Redis (Django's RedisCache) when `name` holds a redis:// URL, else the
    process's local memory. Both count atomically and need no table."""
    url = os.environ.get(name, "").strip()
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"}
    if not url.startswith(CACHE_SCHEMES):
        raise ImproperlyConfigured(
            f"{name} must be a Redis URL (redis://host:6379/0, rediss://..., unix://...), "
            f"not {url!r}; leave it unset for the local-memory cache."
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
