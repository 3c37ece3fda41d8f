"""hepar.store (see DESIGN.md, layer table)."""
