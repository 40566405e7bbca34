"""The engine: text -> Trace. The grammar and parser, the gate table, the graph, the flat tape
that runs the numbers (and the one pass from plain text straight to it, fasttape.py), the Trace
and its steps, exact input values, the symbolic side built along the trace, the two
verification oracles, and the update rules of a learning step.

It imports nothing of the package but the shared leaves (`errors`, `fmt`, `files`, `tomlpos`):
everything above (render, homework, tutor, commands) reads the Trace it makes.
"""
