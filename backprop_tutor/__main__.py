"""`python -m backprop_tutor`: the same CLI as `tutor`."""

from .commands.cli import main

main()
