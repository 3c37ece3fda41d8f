"""hepar.physics (see DESIGN.md, layer table)."""
