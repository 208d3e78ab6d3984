"""Changelist filters on events, speakers and outlets that stay small on large tables
(curation.admin.TopRelatedFilter: the most used, the chosen one, and a search box)."""

from curation.admin import TopRelatedFilter


def related_filter(title: str, parameter: str, path: str, label: str) -> type[TopRelatedFilter]:
    """A TopRelatedFilter class named for its parameter ("event", "speaker")."""
    return type(
        f"{parameter.title().replace('_', '')}Filter",
        (TopRelatedFilter,),
        {"title": title, "parameter_name": parameter, "path": path, "label": label},
    )


# Claims
ClaimEventFilter = related_filter("event", "event", "event", "event__name")
ClaimSpeakerFilter = related_filter(
    "speaker", "speaker", "attributions__speaker", "attributions__speaker__name"
)
ClaimTagFilter = related_filter("tag", "tag", "tags", "tags__name")

# Attributions
AttributionEventFilter = related_filter("event", "event", "claim__event", "claim__event__name")
AttributionSpeakerFilter = related_filter("speaker", "speaker", "speaker", "speaker__name")
AttributionOutletFilter = related_filter(
    "outlet", "outlet", "document__outlet", "document__outlet__name"
)

# Figures
FigureEventFilter = related_filter("event", "event", "event", "event__name")
FigureSpeakerFilter = related_filter(
    "speaker", "speaker", "attribution__speaker", "attribution__speaker__name"
)
