"""Workflows, said once: the state-machine kernel, the refusals, and step declarations.

`machines.fire` drives a feature's state machine and logs the move; `steps.Step` declares an
action once (name, subject, roles, input model, event, service call) and `steps.perform` takes it
from any surface; `cli_adapter` turns declarations into Typer commands (the HTTP kit turns them
into routes, forms and buttons). This package imports nothing from the web app or the CLI.
"""
