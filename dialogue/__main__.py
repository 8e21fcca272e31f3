"""`python -m dialogue`: the command line."""

from dialogue.cli import main

main()
