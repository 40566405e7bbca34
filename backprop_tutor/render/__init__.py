"""Renderers: Trace -> a medium, one module per medium. The terminal drawing (Rich), Graphviz DOT
and its layout engines, slides, HTML decks, handouts, PDFs, the notebook view and text reports.

Renderers read a Trace and never recompute maths. They may import the engine and the leaves,
never homework, tutor or commands.
"""
