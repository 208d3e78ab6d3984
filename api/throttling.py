"""API throttles."""

from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """The "user" rate, for signed-in users only.

    DRF's UserRateThrottle also counts anonymous requests (by IP), which AnonRateThrottle already
    does at a lower rate; each throttle costs a cache read and write, four to six queries with the
    database cache, on every API request.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
