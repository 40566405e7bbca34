"""`python -m backprop_tutor`: the same CLI as `tutor`."""

from .cli import main

main()
