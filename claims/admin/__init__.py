"""The editors' workplace for events, claims, attributions and figures (see each module)."""

from claims.admin import attribution, claim, document, event, feed, relation, webhook  # noqa: F401  (registers the admins)
