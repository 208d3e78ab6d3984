"""DRF's content negotiation, remembered: the same Accept header, format and renderers always
choose the same renderer, and choosing it parsed the header and matched every renderer on every
request (a tenth of a 304's time in the application)."""

from rest_framework.negotiation import DefaultContentNegotiation

# Distinct (Accept, format, renderers) remembered per process; clients may send any Accept header,
# so past this many the rest are negotiated every time, as before.
REMEMBERED = 512
_chosen: dict[tuple, tuple[int, str]] = {}


class RememberedContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (
            request.META.get("HTTP_ACCEPT", "*/*"),
            wanted,
            tuple(type(r) for r in renderers),
        )
        chosen = _chosen.get(key)
        if chosen is None:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            at = next(i for i, r in enumerate(renderers) if r is renderer)
            chosen = (at, media_type)
            if len(_chosen) < REMEMBERED:
                _chosen[key] = chosen
        at, media_type = chosen
        return renderers[at], media_type
