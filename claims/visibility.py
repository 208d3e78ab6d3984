"""Who may see drafts: the one rule behind every `visible_to(user)` QuerySet method.

A user holding the `claims.view_claim` permission (editors, reviewers, staff viewers, superusers)
sees every claim, whatever its publication state, and the attributions, figures and events that
hang on them. Everyone else, anonymous or signed in, sees published claims only. Pages, the API,
CSV, the change feed and search all ask `Model.objects.visible_to(user)`; none re-derives this.
"""

DRAFT_PERMISSION = "claims.view_claim"


def sees_drafts(user) -> bool:
    """True when `user` may see claims that are not published (drafts and claims in review)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(DRAFT_PERMISSION))
