from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        # The API registers the representations the change feed logs (claims.feed), also in
        # processes that never load the URLs (management commands, task workers).
        from claims import api  # noqa: F401
