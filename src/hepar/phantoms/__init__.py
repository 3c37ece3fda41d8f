"""hepar.phantoms (see DESIGN.md, layer table)."""
