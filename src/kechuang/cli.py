"""The `kechuang` command. Each feature package contributes its commands through `register`."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="kechuang",
    help="Kechuang (科创): policies, tech finance and research transformation for a city.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# Order is the order of `kechuang --help`. Each module has `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "kechuang.store.commands",
    "kechuang.enterprises.commands",
    "kechuang.enterprises.generate_cli",
    "kechuang.policies.commands",
    "kechuang.policies.docs_cli",
    "kechuang.screening.commands",
    "kechuang.screening.runs_cli",
    "kechuang.notices.commands",
    "kechuang.ledger.commands",
    "kechuang.accounts.commands",
    "kechuang.transfer.commands",
    "kechuang.finance.commands",
    "kechuang.cultivation.commands",
    "kechuang.stats.commands",
    "kechuang.demo.commands",
    "kechuang.web.commands",
)

for module_name in COMMAND_MODULES:
    importlib.import_module(module_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
