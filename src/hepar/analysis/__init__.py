"""hepar.analysis (see DESIGN.md, layer table)."""
