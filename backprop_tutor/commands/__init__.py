"""The CLI: `cli.py` assembles the typer app from one module per noun (grad, lessons, slides,
homework), each with `register(app, friendly)`. Commands parse options and print; no maths here.

The top layer: it may import tutor, homework, render, the engine and the leaves.
"""
