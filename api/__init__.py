"""Machinery every API resource shares. Imports no domain app."""
