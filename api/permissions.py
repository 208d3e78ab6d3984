"""The API's permission rule: Django's model permissions for writes, reads open to everyone (what a
reader may see is the querysets' business: `visible_to(user)`)."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, without building the view's queryset for a
    method that needs no permission (GET, HEAD, OPTIONS): DRF calls `get_queryset()` only to learn
    the model, and a list's queryset (annotations, prefetches) cost more than the whole 304 it
    precedes. The answer is the same: no permission is required, so every user has them."""

    def has_permission(self, request, view):
        if request.user and not self.perms_map.get(request.method, True):
            return True
        return super().has_permission(request, view)
