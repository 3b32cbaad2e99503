"""The ``cspsim`` command: :mod:`~cspsim.cli.main` builds the parser; one module per command
group, sharing only :mod:`~cspsim.cli.common`."""
