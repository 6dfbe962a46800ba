"""`python -m vault` runs the rvault command."""

from .cli import main

main()
