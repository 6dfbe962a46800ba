"""What every command shares: options, the passphrase, output helpers, KDF choice."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vault.errors import UsageProblem
from vault.policy import DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM
from vault.prompts import passphrase_from_file, prompt_passphrase

if TYPE_CHECKING:
    from vault.crypto import KdfParams
    from vault.store import VaultFile

F = TypeVar("F", bound=Callable[..., Any])
SHORT_PASSPHRASE = 12
STDIN = "-"
INTERACTIVE = "\0interactive"  # --text given without a file


class Options:  # a plain class: importing dataclasses costs ~8 ms of start-up
    """Settings shared by every command (from the group, the command, or the environment)."""

    def __init__(
        self,
        vault: str | None = None,
        passphrase_file: str | None = None,
        debug: bool = False,
        lock_timeout: float = 30.0,
    ) -> None:
        self.vault = vault
        self.passphrase_file = passphrase_file
        self.debug = debug
        self.lock_timeout = lock_timeout
        self.opened: list[VaultFile] = []

    def notes(self) -> None:
        """After the command: the one-time note that a change made the printed kit stale."""
        for vf in self.opened:
            if vf.kit_went_stale:
                say(
                    f"note: your printed kit (printed {vf.kit_went_stale}) is now out of date; "
                    "print a new one with 'rvault kit'"
                )

    def vault_file(self) -> VaultFile:
        """The VaultFile chosen by --vault, RVAULT_FILE or the platform default."""
        from vault.store import VaultFile, default_path

        if self.vault == "":
            # An unset shell variable must not silently mean "the default vault".
            raise UsageProblem("--vault (or RVAULT_FILE) is empty")
        vf = VaultFile(self.vault or default_path(), lock_timeout=self.lock_timeout)
        self.opened.append(vf)
        return vf

    def existing_vault(self) -> VaultFile:
        """The chosen VaultFile, checked to exist before anyone is asked for a passphrase."""
        vf = self.vault_file()
        vf.require()
        return vf

    def passphrase(self, prompt: str = "Passphrase", confirm: bool = False) -> str:
        """The passphrase from --passphrase-file / RVAULT_PASSPHRASE_FILE, else a hidden prompt."""
        if self.passphrase_file:
            return passphrase_from_file(self.passphrase_file)
        return prompt_passphrase(prompt, confirm)

    @staticmethod
    def new_passphrase(path: str | None) -> str:
        """A new passphrase from path ('-' = stdin), else asked twice; warned about if short."""
        new = passphrase_from_file(path) if path else prompt_passphrase("New passphrase", True)
        check_passphrase_strength(new)
        return new


def seconds(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """A click callback: value as a finite, non-negative number of seconds."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        # A UsageProblem, not click's BadParameter: one line naming where the value came
        # from (usually a forgotten variable in the environment), as every other error.
        from click.core import ParameterSource

        source = ctx.get_parameter_source(param.name or "")
        where = param.envvar if source is ParameterSource.ENVIRONMENT else None
        name = where if isinstance(where, str) else param.opts[0]
        raise UsageProblem(f"{name} must be a number of seconds, not {value!r}")
    return number


def _set_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None and param.name:
        setattr(ctx.ensure_object(Options), param.name, value)


def common(f: F) -> F:
    """Accept --vault and --passphrase-file after the command name as well as before it."""
    f = click.option(
        "--passphrase-file",
        expose_value=False,
        callback=_set_option,
        metavar="PATH",
        help="Read the passphrase from the first line of PATH ('-' = stdin).",
    )(f)
    return click.option(
        "--vault",
        expose_value=False,
        callback=_set_option,
        metavar="PATH",
        help="Vault file (default: $RVAULT_FILE, else the user data directory).",
    )(f)


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator applying click options in the order they are listed (as --help shows)."""

    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


def say(message: str) -> None:
    """A message for the person (stderr), keeping stdout for data."""
    click.echo(message, err=True)


def warn(message: str) -> None:
    """A warning on stderr."""
    click.echo(f"warning: {message}", err=True)


def confirm_on_tty(question: str, what: str) -> bool:
    """Ask on the terminal (stdin may be data or the passphrase); refuse when there is none."""
    try:
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115
    except OSError:
        raise UsageProblem(
            f"no terminal to confirm {what} on", hint="pass --yes, or --dry-run to look first"
        ) from None
    with tty:
        tty.write(f"{question} [y/N] ")
        tty.flush()
        return tty.readline().strip().lower() in ("y", "yes")


def emit_json(data: Any) -> None:
    """Stable JSON on stdout."""
    import json

    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


kdf_options = options(  # Argon2id costs for a new key slot
    click.option(
        "--kdf-target",
        type=float,
        default=DEFAULT_KDF_TARGET_SECONDS,
        show_default=True,
        metavar="SECONDS",
        help="Calibrate passes so one unlock takes this long.",
    ),
    click.option(
        "--kdf-memory",
        type=click.IntRange(1),
        metavar="MIB",
        help=f"Argon2id memory in MiB [default: {DEFAULT_MEMORY_KIB // 1024}].",
    ),
    click.option(
        "--kdf-time",
        type=click.IntRange(1),
        metavar="N",
        help="Argon2id passes (skips calibration).",
    ),
    click.option(
        "--kdf-parallelism",
        type=click.IntRange(1),
        metavar="N",
        help=f"Argon2id lanes [default: {DEFAULT_PARALLELISM}].",
    ),
    click.option(
        "--weak-kdf",
        is_flag=True,
        help="Allow costs below 64 MiB / 3 passes (tests and demos only).",
    ),
)


def choose_kdf(
    target: float, memory: int | None, passes: int | None, lanes: int | None, weak: bool
) -> KdfParams:
    """Explicit costs where given, calibrated passes otherwise."""
    from vault.crypto import KdfParams, calibrate

    memory_kib = memory * 1024 if memory else DEFAULT_MEMORY_KIB
    lanes = lanes or DEFAULT_PARALLELISM
    if passes:
        return KdfParams(passes, memory_kib, lanes)
    if not (math.isfinite(target) and target > 0):
        raise UsageProblem("--kdf-target must be a positive number of seconds")
    KdfParams(1, memory_kib, lanes).check_caps()
    say(f"Calibrating key derivation for about {target:g} s per unlock...")
    return calibrate(target, memory_kib, lanes, min_time_cost=1 if weak else 3)


def check_passphrase_strength(passphrase: str) -> None:
    """Warn about a short passphrase (it is still accepted)."""
    if len(passphrase) < SHORT_PASSPHRASE:
        warn(
            f"the passphrase is shorter than {SHORT_PASSPHRASE} characters; "
            "four or more random words are much stronger"
        )
