"""hepar.services (see DESIGN.md, layer table)."""
