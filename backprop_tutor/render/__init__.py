"""Trace -> output, one module per medium. Renderers read a Trace; they never recompute maths."""
