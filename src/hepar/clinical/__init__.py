"""hepar.clinical (see DESIGN.md, layer table)."""
