"""`python -m vault` runs the rvault command."""

from vault.cli import main

main()
