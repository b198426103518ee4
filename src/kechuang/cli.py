"""The `kechuang` command. Each feature package contributes its commands through `register`.

Commands are registered lazily: `kechuang --help` lists them from the table below without
importing a feature, and running a command imports only the module that declares it (the
`screen` command does not pay for the web stack, the ledger or the migrations). A test keeps
the table equal to what the modules' `register` functions declare.
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # Typer's own (vendored) click: its commands' base classes
from typer.core import TyperCommand, TyperGroup


class Entry:
    """A top-level command: its name, the module whose `register(app)` declares it, its help."""

    __slots__ = ("help", "module", "name")

    def __init__(self, name: str, module: str, help: str) -> None:
        self.name, self.module, self.help = name, module, help


# Order is the order of `kechuang --help`: commands, then groups (as Typer lists them).
COMMANDS = (
    Entry("import", "kechuang.enterprises.commands",
          "Validate and import an enterprise panel; a file with a bad row is refused whole "
          "(exit 2)."),
    Entry("snapshot", "kechuang.enterprises.commands",
          "Rebuild the Parquet snapshot of the stored panel that screening reads."),
    Entry("generate", "kechuang.enterprises.generate_cli",
          "Generate a synthetic Shanghai enterprise panel in the data contract's format."),
    Entry("policy-docs", "kechuang.policies.docs_cli",
          "Generate the Markdown reference page of every policy version (docs/policies)."),
    Entry("screen", "kechuang.screening.commands",
          "Screen every enterprise of a panel against policies (免申即享 screening)."),
    Entry("explain", "kechuang.screening.commands",
          "Explain one enterprise's verdict: each condition, the values read, the gap."),
    Entry("report", "kechuang.stats.commands",
          "Write the annual report for YEAR (bilingual HTML, self-contained; PDF optional)."),
    Entry("serve", "kechuang.web.commands",
          "Serve the web app and the JSON API (http://HOST:PORT, API docs at /docs)."),
    Entry("db", "kechuang.store.commands", "The database: migrations and status."),
    Entry("policies", "kechuang.policies.commands",
          "Policies: the shipped pack, and the workbench's versions (draft, review, publish)."),
    Entry("runs", "kechuang.screening.runs_cli",
          "Screening runs: start, publish (公示), objections, approval, payment."),
    Entry("notices", "kechuang.notices.commands",
          "Notices: deliver the outbox by email and SMS, dead letters, channels."),
    Entry("ledger", "kechuang.ledger.commands", "The ledger: balances and journal entries."),
    Entry("accounts", "kechuang.accounts.commands", "Accounts and roles of the web app."),
    Entry("transfer", "kechuang.transfer.commands",
          "Achievement transformation: results register, matching, pilot indicators."),
    Entry("applications", "kechuang.applications.commands",
          "申报 applications, formal review, expert panels, decisions and milestone payments."),
    Entry("finance", "kechuang.finance.commands",
          "Tech finance: risk-shared loans, guarantees, funds."),
    Entry("cultivation", "kechuang.cultivation.commands",
          "Enterprise cultivation: tiers, moves, the watch list, incubators."),
    Entry("stats", "kechuang.stats.commands",
          "Indicators: the catalogue, their values, biomedicine records."),
    Entry("demo", "kechuang.demo.commands",
          "Demo data for the dashboard and the annual report."),
)  # fmt: skip
BY_NAME = {e.name: e for e in COMMANDS}
COMMAND_MODULES = tuple(dict.fromkeys(e.module for e in COMMANDS))


def declared(module_name: str) -> dict[str, click.Command]:
    """The top-level commands (and groups) that `module_name`'s `register` declares."""
    scratch = typer.Typer()
    importlib.import_module(module_name).register(scratch)
    group = typer.main.get_group(scratch)
    assert isinstance(group, TyperGroup)
    return dict(group.commands)


class LazyGroup(TyperGroup):
    """Lists the table's commands without importing them; imports one when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [e.name for e in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = BY_NAME.get(cmd_name)
        if entry is None:
            return None
        # What the help listing needs: the name and the help line, nothing imported.
        return TyperCommand(entry.name, help=entry.help, short_help=entry.help)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, _, rest = super().resolve_command(ctx, args)
        if name is None:
            return name, None, rest
        return name, declared(BY_NAME[name].module)[name], rest


app = typer.Typer(
    name="kechuang",
    help="Kechuang (科创): policies, tech finance and research transformation for a city.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=LazyGroup,
)


@app.callback()
def _root() -> None:
    """Kechuang (科创): policies, tech finance and research transformation for a city."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
