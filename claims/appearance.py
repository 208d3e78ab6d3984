"""Where a claim first appeared, and how widely it was repeated. No queries here.

The first appearance is the earliest attribution by the date the speaker made the statement, else
its document's date (undated ones come last; ties go to the earlier document, then the earlier
quote), with its origin. The claim page, the API and the ClaimReview export all call
`first_appearance`, with the attributions and origins they have already read.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FirstAppearance:
    attribution: object  # the Attribution, with its document (and outlet) loaded
    on: date | None
    origin_label: str  # the outlet that first published it
    outlets: int  # distinct publishers of the documents it appears in (unknown ones count apart)
    origins: int  # distinct origins among them (copies and relays share their original's)

    @property
    def document(self):
        return self.attribution.document


def _when(a) -> date | None:
    return a.stated_on or a.document.published


def first_appearance(attributions: Iterable, origins: dict[int, tuple[tuple, str]]):
    """The FirstAppearance of a claim given its attributions (with `document` loaded) and their
    origins (claims.evidence.attribution_origins), or None when it has no attribution."""
    attributions = list(attributions)
    if not attributions:
        return None
    first = min(
        attributions,
        key=lambda a: (_when(a) is None, _when(a) or date.max, a.document_id, a.quote_start, a.pk),
    )
    publishers = {
        ("outlet", a.document.outlet_id) if a.document.outlet_id else ("document", a.document_id)
        for a in attributions
    }
    return FirstAppearance(
        attribution=first,
        on=_when(first),
        origin_label=origins[first.pk][1],
        outlets=len(publishers),
        origins=len({origins[a.pk][0] for a in attributions}),
    )
