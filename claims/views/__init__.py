"""Public pages. `pages`: claims, events, search; `sources`: documents, actors and outlets as the
claims cite them (they live here because they show claims, and the sources app knows no claims)."""
