"""Admin machinery for versioned, history-tracked records. Imports no domain app."""
