"""The fixed sets of words the tool speaks in, as types: the CLI's choices are built from
them, so a new word is added in one place and mypy follows every use."""

from __future__ import annotations

from typing import Literal, get_args

ReportFormat = Literal["text", "json", "github", "markdown"]
DrawingFormat = Literal["mermaid", "dot", "text"]
Strategy = Literal["auto", "merge", "rebase"]
HookMode = Literal["warn", "block"]
Provider = Literal["github", "gitlab"]
HookType = Literal["pre-push", "pre-receive", "post-checkout"]
ProblemKind = Literal["same-id", "repointed", "textual"]
QueueKind = Literal["merge_group", "merge_train"]
TouchKind = Literal["table", "column", "index", "constraint"]
StepAction = Literal["create", "update", "unchanged", "skip"]


def words(kind: object) -> tuple[str, ...]:
    """The words of a Literal type, in order (for click.Choice and messages)."""
    return tuple(str(w) for w in get_args(kind))
