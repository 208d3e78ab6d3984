"""The benchmark and its synthetic corpus. The domain apps never import it."""
