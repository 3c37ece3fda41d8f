"""hepar.pipeline (see DESIGN.md, layer table)."""
