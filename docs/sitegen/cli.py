"""The command-line reference: every command and option of both console scripts, read from
the click objects themselves, so the page cannot drift from the code.

`vorderingen-conformance` (the suite) and `vorderingen` (the reference implementation) are the
two scripts of `pyproject.toml`; each command gets a section with its usage line, its help
text and a table of its options (names, value, default, help).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

import click

SCRIPTS = (  # (script name, module:attribute of its click command)
    ("vorderingen-conformance", "conformance.cli:cli"),
    ("vorderingen", "reference_impl.cli:main"),
)


@dataclass
class Option:
    names: str
    value: str
    default: str
    help: str


@dataclass
class Command:
    path: str  # `vorderingen-conformance run`
    anchor: str
    usage: str
    help: str
    options: list[Option] = field(default_factory=list)
    subcommands: list[str] = field(default_factory=list)


def load() -> list[Command]:
    """Every command of both scripts, depth first, groups before their commands."""
    commands: list[Command] = []
    for script, target in SCRIPTS:
        module, _, attribute = target.partition(":")
        root = getattr(import_module(module), attribute)
        _walk(root, script, None, commands)
    return commands


def _walk(command: click.Command, path: str, parent: click.Context | None,
          out: list[Command]) -> None:
    ctx = click.Context(command, info_name=path.split(" ")[-1], parent=parent)
    names = sorted(command.list_commands(ctx)) if isinstance(command, click.Group) else []
    pieces = command.collect_usage_pieces(ctx)
    out.append(Command(
        path=path,
        anchor="cli-" + path.replace(" ", "-"),
        usage=" ".join([path, *pieces]),
        help=(command.help or "").strip(),
        options=[_option(p, ctx) for p in command.get_params(ctx)
                 if isinstance(p, click.Option) and not p.hidden],
        subcommands=[f"{path} {name}" for name in names],
    ))
    for name in names:
        sub = command.get_command(ctx, name)  # type: ignore[union-attr]
        if sub is not None and not sub.hidden:
            _walk(sub, f"{path} {name}", ctx, out)


def _option(param: click.Option, ctx: click.Context) -> Option:
    record = param.get_help_record(ctx)
    names, text = record if record else (", ".join(param.opts), "")
    default = param.get_default(ctx, call=False)
    shown = "" if default in (None, (), [], False) or callable(default) else str(default)
    value = "" if param.is_flag else param.make_metavar(ctx)
    return Option(names=names, value=value, default=shown, help=text)
