"""hepar.dosimetry (see DESIGN.md, layer table)."""
