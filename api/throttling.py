"""API throttles that count atomically.

DRF's SimpleRateThrottle reads a list of timestamps from the cache, appends, and writes it back:
concurrent requests read the same list and each writes its own, so under 50 concurrent clients
several times the rate got through. These throttles count in fixed windows with the cache's
atomic operations instead (`add` creates the window's counter, `incr` bumps it: one Redis INCR,
or one locked step in local memory), so no more than the rate pass in a window, however many
requests race.
"""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class FixedWindowThrottle(SimpleRateThrottle):
    """At most `num_requests` per `duration`-second window, counted atomically in the cache."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        counter = self._counter(key)
        # The window's counter lives one window longer than the window, then expires.
        if self.cache.add(counter, 1, timeout=self.duration * 2):
            return self.num_requests >= 1
        try:
            count = self.cache.incr(counter)
        except ValueError:  # expired between add and incr: this request opens it again
            self.cache.add(counter, 1, timeout=self.duration * 2)
            count = 1
        return count <= self.num_requests

    def exhausted(self, request, view) -> bool:
        """Whether this client has used up the current window, counting nothing: a request
        checked before it is known to count (api.conditional: a revalidation) is refused at once
        when the client is over its rate."""
        if self.rate is None:
            return False
        key = self.get_cache_key(request, view)
        if key is None:
            return False
        return (self.cache.get(self._counter(key)) or 0) >= self.num_requests

    def _counter(self, key: str) -> str:
        """The cache key of the current window's counter (and when the window ends, for wait)."""
        window = int(self.timer() // self.duration)
        self.window_ends = (window + 1) * self.duration
        return f"{key}:{window}"

    def wait(self):
        return max(0.0, self.window_ends - self.timer())


class AnonymousRateThrottle(FixedWindowThrottle, AnonRateThrottle):
    """The "anon" rate, per client address."""


class SignedInRateThrottle(FixedWindowThrottle, UserRateThrottle):
    """The "user" rate, for signed-in users only.

    DRF's UserRateThrottle also counts anonymous requests (by IP), which the anonymous throttle
    already does at a lower rate.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
