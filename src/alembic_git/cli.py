"""The command line: parse options, dispatch to ``commands/*``, turn errors into exit codes.

Exit codes: 0 clean, 1 conflict found, 2 error (one line on stderr, no traceback).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import click

from alembic_git import __version__
from alembic_git.commands.colour import COLOR_KEY
from alembic_git.errors import EXIT_ERROR, AlembicGitError
from alembic_git.kinds import (
    DrawingFormat,
    HookMode,
    HookType,
    Provider,
    ReportFormat,
    Strategy,
    words,
)
from alembic_git.revisions.discovery import Selection
from alembic_git.workspace import Workspace


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order they are declared: the tour order

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list with each whole first sentence (click cuts it at the
        terminal's width, with "..."), wrapped instead."""
        rows = [
            (name, cmd.get_short_help_str(limit=1000))
            for name in self.list_commands(ctx)
            if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _given(name: str) -> bool:
    """Whether the user typed option ``name`` (not its default)."""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, click.core.ParameterSource.DEFAULT)


def _ignored(option: str, why: str) -> click.UsageError:
    """An option the combination would ignore: an error, never a silent no-op."""
    return click.UsageError(f"{option} does nothing {why}")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    multiple=True,
    metavar="FILE",
    help="Alembic config file (alembic.ini, or pyproject.toml); may be given twice "
    "(default: $ALEMBIC_CONFIG, else the declared environments, else the nearest folder, "
    "from here up to the repository's top, with an alembic.ini or a pyproject.toml with "
    "[tool.alembic]).",
)
@click.option(
    "-n",
    "--name",
    default="alembic",
    show_default=True,
    help="Section of the ini file, as with alembic -n.",
)
@click.option(
    "--version-location",
    "version_locations",
    multiple=True,
    metavar="DIR",
    help="Read revisions from DIR, skipping config discovery (repeatable; default: the "
    "config's version_locations, else its script_location/versions).",
)
@click.option("--recursive", is_flag=True, help="With --version-location: also read sub-folders.")
@click.option(
    "--env",
    "env_names",
    multiple=True,
    metavar="NAME",
    help="Only the declared environment NAME ([[tool.alembic-git.environments]] in "
    "pyproject.toml; repeatable; default: every declared one). -n NAME does the same when "
    "environments are declared.",
)
@click.option(
    "--all",
    "all_envs",
    is_flag=True,
    help="Every Alembic environment in the repository (each alembic.ini and pyproject.toml "
    "[tool.alembic] in git's files, examples and fixtures too), each reported separately.",
)
@click.option(
    "--git-dir", metavar="DIR", help="The git repository (default: GIT_DIR or the current one)."
)
@click.option(
    "--color",
    "--colour",
    "color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the verdicts of check, forecast and the hooks. auto: only on a terminal, "
    "and not when NO_COLOR or CI is set.",
)
@click.version_option(__version__, prog_name="alembic-git")
@click.pass_context
def cli(
    ctx: click.Context,
    config: tuple[str, ...],
    name: str,
    version_locations: tuple[str, ...],
    recursive: bool,
    env_names: tuple[str, ...],
    all_envs: bool,
    git_dir: str | None,
    color: str,
) -> None:
    """Find and fix Alembic multiple heads across git branches, before the merge."""
    if all_envs and (config or version_locations):
        raise click.UsageError("--all cannot be combined with -c or --version-location")
    if env_names and (config or version_locations or all_envs):
        raise click.UsageError("--env picks a declared environment: drop -c, --version-location "
                               "and --all")
    if recursive and not version_locations:
        raise click.UsageError("--recursive goes with --version-location")
    if version_locations and _given("name"):
        raise _ignored("-n", "with --version-location (no config file is read)")
    ctx.meta[COLOR_KEY] = color
    selection = Selection(config, name, version_locations, recursive, all_envs, env_names)
    ctx.obj = Workspace.here(selection, git_dir)
    ctx.call_on_close(ctx.obj.close)


def _commit_option(f: Callable[..., None]) -> Callable[..., None]:
    """``--commit REF``: read this git commit, not the working tree. ``--rev`` is kept as a
    hidden alias; it is not Alembic's ``--rev`` (a revision), hence the new name."""

    @functools.wraps(f)
    def command(*args: Any, rev_alias: str | None = None, **kwargs: Any) -> None:
        if rev_alias is not None:
            if kwargs.get("rev") not in (None, rev_alias):
                raise click.UsageError("--rev is the old name of --commit: give one of them")
            kwargs["rev"] = rev_alias
        f(*args, **kwargs)

    command = click.option("--rev", "rev_alias", metavar="REF", hidden=True)(command)
    return click.option(
        "--commit",
        "rev",
        metavar="COMMIT",
        help="Read the revision files of this git commit (a branch, tag or sha), "
        "not the working tree (the default). Not Alembic's --rev: that names a revision.",
    )(command)


def _format_option(
    kind: object, help: str | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(words(kind)),
        default="text",
        show_default=True,
        help=help,
    )


_TEXT_OR_JSON = click.Choice(["text", "json"])
_STRICT = click.option(
    "--strict", is_flag=True, help="Any second head is a conflict, labelled or not."
)


def _run(fn: Callable[..., int], **kwargs: Any) -> None:
    ctx = click.get_current_context()
    ctx.exit(fn(ctx.find_object(Workspace), **kwargs))


@cli.command()
@_commit_option
@click.option("--format", "fmt", type=_TEXT_OR_JSON, default="text", show_default=True)
@click.option(
    "-v", "--verbose", is_flag=True, help="Each head as `alembic heads -v` prints it (text only)."
)
def heads(rev: str | None, fmt: str, verbose: bool) -> None:
    """Show the heads, like `alembic heads` (effective heads marked)."""
    from alembic_git.commands import heads as cmd

    if verbose and fmt == "json":
        raise _ignored("-v", "with --format json (the JSON has every field)")
    _run(cmd.run, rev=rev, fmt=fmt, verbose=verbose)


@cli.command()
@_commit_option
@_STRICT
@click.option(
    "--against",
    metavar="TARGET",
    is_flag=False,
    flag_value="",
    default=None,
    help="Check the graph after merging into TARGET. TARGET is optional; without it: git "
    "config alembic-git.target, else [tool.alembic-git] target in pyproject.toml, else the "
    "default branch of the branch's remote (REMOTE/HEAD, then REMOTE/main, REMOTE/master; "
    "then origin's), else a local main or master.",
)
@_format_option(
    ReportFormat,
    "text: for people; json: for programs; github: ::error annotations, then the text; "
    "markdown: a pull-request comment.",
)
@click.option(
    "--strict-overlaps",
    is_flag=True,
    help="With --against: revisions of both sides that touch the same table, column, index or "
    "constraint are a conflict (exit 1), not a warning.",
)
def check(
    rev: str | None, strict: bool, against: str | None, fmt: str, strict_overlaps: bool
) -> None:
    """Exit 1 if heads conflict (the same branch label, or more than one unlabelled head)."""
    from alembic_git.commands import check as cmd

    if strict_overlaps and against is None:
        raise click.UsageError("--strict-overlaps goes with --against")
    _run(cmd.run, rev=rev, strict=strict, fmt=fmt, against=against, strict_overlaps=strict_overlaps)


@cli.command()
@_commit_option
@_format_option(DrawingFormat)
@click.option(
    "--around",
    multiple=True,
    metavar="REV",
    help="Draw only the neighbourhood of REV, a revision id or a unique prefix of one "
    "(repeatable; default: the whole graph).",
)
@click.option(
    "--depth",
    default=3,
    show_default=True,
    type=click.IntRange(0),
    help="With --around: how many edges away to draw.",
)
def graph(rev: str | None, fmt: str, around: tuple[str, ...], depth: int) -> None:
    """Draw the revision graph (heads and branch points marked)."""
    from alembic_git.commands import graph as cmd

    if _given("depth") and not around:
        raise _ignored("--depth", "without --around (the whole graph is drawn)")
    _run(cmd.run, rev=rev, fmt=fmt, around=around, depth=depth)


@cli.command()
@_commit_option
@click.argument("revisions", nargs=-1, metavar="[REV]...")
@click.option("--format", "fmt", type=_TEXT_OR_JSON, default="text", show_default=True)
def touches(rev: str | None, revisions: tuple[str, ...], fmt: str) -> None:
    """What each revision's upgrade() touches (default: the heads), read statically."""
    from alembic_git.commands import touches as cmd

    _run(cmd.run, rev=rev, revisions=revisions, fmt=fmt)


@cli.command()
@click.option(
    "--target",
    metavar="REF",
    help="The branch they merge into (default: git config alembic-git.target, else "
    "[tool.alembic-git] target in pyproject.toml, else the default branch of the current "
    "branch's remote, then origin's, else a local main or master).",
)
@click.option("--format", "fmt", type=_TEXT_OR_JSON, default="text", show_default=True)
@click.argument("patterns", nargs=-1, metavar="[REF|PATTERN]...")
def forecast(target: str | None, fmt: str, patterns: tuple[str, ...]) -> None:
    """Which branches conflict with the target, and which pairs collide with each other."""
    from alembic_git.commands import forecast as cmd

    _run(cmd.run, target=target, patterns=patterns, fmt=fmt)


@cli.command("merge-heads")
@click.option(
    "--strategy",
    type=click.Choice(words(Strategy)),
    default="auto",
    show_default=True,
    help="merge: one merge revision per group; rebase: move this branch's unpublished "
    "revisions on top; auto: rebase when nothing to move is published, else merge.",
)
@click.option(
    "--onto",
    metavar="REF",
    help="The target (default: MERGE_HEAD during a merge, a rebase's onto, else the "
    "default target as for check --against: git config alembic-git.target, ...).",
)
@click.option(
    "-m",
    "--message",
    help="Message of the merge revision (default: \"merge heads A, B\"); not with "
    "--strategy rebase.",
)
@click.option(
    "--rev-id",
    metavar="ID",
    help="Revision id of the merge revision (default: a new random 12-hex id, as Alembic's); "
    "not with --strategy rebase.",
)
@click.option(
    "--dry-run", is_flag=True, help="Show the diff or the new file; write nothing (exit 0)."
)
@click.option(
    "--check",
    is_flag=True,
    help="As --dry-run, for CI: exit 1 when files would change, 0 when there is nothing to do.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Rewrite files even if they have uncommitted changes (default: refuse).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Join every head into one, labelled or not (default: one head per branch label).",
)
@click.option(
    "--no-post-write-hooks",
    "no_post_write_hooks",
    is_flag=True,
    help="Do not run the environment's Alembic post_write_hooks on the merge revision "
    "(default: run them, as alembic merge does).",
)
@click.option(
    "--published-db",
    "published_dbs",
    multiple=True,
    metavar="URL",
    help="A database whose revisions are published: never rebased (repeatable; added to "
    "[tool.alembic-git] published-databases; default: those only).",
)
def merge_heads(
    strategy: str,
    onto: str | None,
    message: str | None,
    rev_id: str | None,
    dry_run: bool,
    check: bool,
    force: bool,
    strict: bool,
    no_post_write_hooks: bool,
    published_dbs: tuple[str, ...],
) -> None:
    """Join conflicting heads in the working tree: a merge revision, or a rebase."""
    from alembic_git.commands import merge_heads as cmd

    if check and dry_run:
        raise _ignored("--dry-run", "with --check (--check is a dry run)")
    if strategy == "rebase":
        for option, given in (
            ("-m", message is not None),
            ("--rev-id", rev_id is not None),
            ("--no-post-write-hooks", no_post_write_hooks),
        ):
            if given:
                raise _ignored(option, "with --strategy rebase (it writes no merge revision)")
    if strategy == "merge" and published_dbs:
        raise _ignored("--published-db", "with --strategy merge (it never rebases)")
    _run(
        cmd.run,
        strategy=strategy,
        onto=onto,
        message=message,
        rev_id=rev_id,
        dry_run=dry_run or check,
        check=check,
        force=force,
        strict=strict,
        post_write_hooks=not no_post_write_hooks,
        published_dbs=published_dbs,
    )


@cli.command()
@click.option(
    "--provider",
    type=click.Choice(words(Provider)),
    help="The forge (default: from GITHUB_ACTIONS / GITLAB_CI).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the comments instead of posting them (default: post)."
)
@click.option(
    "--target", metavar="REF", help="Merge into REF (default: origin/<base branch> of the PR)."
)
@_STRICT
def comment(provider: str | None, dry_run: bool, target: str | None, strict: bool) -> None:
    """On a pull request: one sticky comment per environment with the fork and the fix."""
    from alembic_git.commands import comment as cmd

    _run(cmd.run, provider=provider, dry_run=dry_run, target=target, strict=strict)


@cli.group(cls=_Group)
def db() -> None:
    """What the database ran: status against this branch, sync (downgrade, upgrade)."""


_DB_URL = click.option(
    "--url",
    metavar="URL",
    help="The database (default: $DATABASE_URL, or the environment's database-url-env, "
    "else sqlalchemy.url of the Alembic config).",
)


@db.command("status")
@_commit_option
@_DB_URL
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def db_status(rev: str | None, url: str | None, fmt: str) -> None:
    """Compare the database's alembic_version with this branch (read-only).

    Exit 0 up-to-date, 1 behind / orphaned / diverged / empty, 2 error."""
    from alembic_git.commands import db as cmd

    _run(cmd.status, rev=rev, url=url, fmt=fmt)


@db.command("sync")
@_DB_URL
@click.option(
    "--yes", "-y", is_flag=True, help="Run the plan without asking (default: ask)."
)
@click.option("--dry-run", is_flag=True, help="Print the plan only (exit 1 when it has steps).")
def db_sync(url: str | None, yes: bool, dry_run: bool) -> None:
    """Downgrade what this branch lacks (each revision's own downgrade(), taken from the
    branch that has it), then upgrade to this branch's heads.  Runs migration code."""
    from alembic_git.commands import db as cmd

    if yes and dry_run:
        raise _ignored("--yes", "with --dry-run (nothing runs)")
    _run(cmd.sync, url=url, yes=yes, dry_run=dry_run)


@cli.group(cls=_Group)
def hook() -> None:
    """Git hooks: pre-push (warn or block), pre-receive (servers), install, uninstall."""


_FAIL_ON_ERROR = click.option(
    "--fail-on-error/--no-fail-on-error",
    default=None,
    help="Refuse the push when the check itself fails (default: git config "
    "alembic-git.failOnError, else let it through with a warning).",
)
_HOOK_TYPE = click.option(
    "--hook-type",
    type=click.Choice(words(HookType)),
    help="Default: pre-push, or pre-receive in a bare repository.",
)


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@click.option(
    "--mode",
    type=click.Choice(words(HookMode)),
    help="warn: report and let the push through; block: refuse it "
    "(default: git config alembic-git.mode, [tool.alembic-git] mode, else warn).",
)
@click.option(
    "--target",
    metavar="REF",
    help="Compare with REF (default: git config alembic-git.target, else [tool.alembic-git] "
    "target, else the pushed-to remote's default branch).",
)
@_FAIL_ON_ERROR
def hook_pre_push(
    remote: str | None,
    url: str | None,
    mode: str | None,
    target: str | None,
    fail_on_error: bool | None,
) -> None:
    """Git's pre-push hook: ref lines on stdin (or pre-commit's PRE_COMMIT_* variables)."""
    from alembic_git.commands import hook as cmd

    _run(
        cmd.pre_push,
        remote=remote,
        url=url,
        mode=mode,
        target=target,
        fail_on_error=fail_on_error,
    )


@hook.command("pre-receive")
@click.option(
    "--protect",
    multiple=True,
    metavar="REF",
    help="Also protect REF (a branch, refs/..., or a glob; repeatable; default: only the "
    "HEAD branch, which is always protected).",
)
@_FAIL_ON_ERROR
def hook_pre_receive(protect: tuple[str, ...], fail_on_error: bool | None) -> None:
    """Server-side: refuse a push leaving a protected branch with conflicting heads."""
    from alembic_git.commands import hook as cmd

    _run(cmd.pre_receive, protect=protect, fail_on_error=fail_on_error)


@hook.command("post-checkout")
@click.argument("prev", required=False)
@click.argument("new", required=False)
@click.argument("flag", required=False)
def hook_post_checkout(prev: str | None, new: str | None, flag: str | None) -> None:
    """After a branch switch: warn when the database ran revisions this branch lacks
    (git passes PREV NEW FLAG; pre-commit's PRE_COMMIT_* variables also work)."""
    from alembic_git.commands import hook as cmd

    _run(cmd.post_checkout, prev=prev, new=new, flag=flag)


@hook.command("install")
@_HOOK_TYPE
@click.option(
    "--mode",
    type=click.Choice(words(HookMode)),
    help="Write this mode into the pre-push hook (default: read git config alembic-git.mode, "
    "then [tool.alembic-git] mode, at each push; else warn).",
)
def hook_install(hook_type: str | None, mode: str | None) -> None:
    """Install the hook (an existing one is kept as <hook>.legacy and runs first)."""
    from alembic_git.commands import hook as cmd

    _run(cmd.install, hook=hook_type, mode=mode)


@hook.command("uninstall")
@_HOOK_TYPE
def hook_uninstall(hook_type: str | None) -> None:
    """Remove the hook and put back the one it replaced."""
    from alembic_git.commands import hook as cmd

    _run(cmd.uninstall, hook=hook_type)


_GLOBAL_OPTIONS = frozenset(
    {"-c", "--config", "-n", "--name", "--version-location", "--recursive", "--all", "--git-dir"}
)


def _one_line(message: str) -> str:
    """An error message as one inert line: it may quote values from the repository
    (revision ids, labels, file names) that hold newlines or CI log commands."""
    from alembic_git.report.check import log_line

    return log_line(message)


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):
        # `alembic-git ... | head`: end quietly when the reader goes away, as git does,
        # rather than click's exit 1 (which reads as "conflict").
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        # Without standalone mode click returns the code passed to ctx.exit.
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="alembic-git",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.NoSuchOption as exc:
        exc.show()
        if exc.option_name in _GLOBAL_OPTIONS:
            click.echo(
                f"hint: {exc.option_name} is a global option: it goes before the command "
                f"(alembic-git {exc.option_name} ... COMMAND), as with alembic",
                err=True,
            )
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("alembic-git: aborted", err=True)
        return EXIT_ERROR
    except AlembicGitError as exc:
        click.echo(_one_line(f"alembic-git: error: {exc}"), err=True)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("ALEMBIC_GIT_DEBUG"):
            traceback.print_exc()
        click.echo(
            _one_line(
                f"alembic-git: internal error: {type(exc).__name__}: {exc} "
                "(set ALEMBIC_GIT_DEBUG=1 for a traceback, and please report it)"
            ),
            err=True,
        )
        return EXIT_ERROR
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
