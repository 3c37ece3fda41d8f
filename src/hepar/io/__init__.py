"""hepar.io (see DESIGN.md, layer table)."""
