from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        # The API registers the representations the change feed logs (claims.feed), also in
        # processes that never load the URLs (management commands, task workers).
        from claims import api  # noqa: F401
        from sources.importing import document_imported

        document_imported.connect(_log_import, dispatch_uid="claims.feed.import")


def _log_import(sender, document, **kwargs) -> None:
    """An imported document and the outlet the import may have created for it are public at
    once: log them in the change feed, in the import's transaction."""
    from claims import feed

    feed.record_import(document)
