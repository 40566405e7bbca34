"""The tutor: lesson files, quizzes, the screens of a walkthrough and the key-driven session.

It may import homework (its diagnoser names a quiz answer's likely mistake), render, the engine
and the leaves; never commands.
"""
