"""Homework: a student's answers against a Trace. Reading homework and key files, formula answers
(parsed by the engine's grammar, never evaluated), checking, diagnosing the likely mistake, the
first wrong step, grading a class on both cores, the gradebook, and `gradcheck`.

It may import render, the engine and the leaves; never tutor or commands.
"""
