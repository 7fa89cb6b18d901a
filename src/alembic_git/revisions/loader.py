"""From an environment's version folders to located, validated revision files."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.cache import ParseCache
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.limits import SizeLimit
from alembic_git.revisions.reader import (
    Assignment,
    ImportRef,
    ParsedFile,
    Unknown,
    Value,
    module_constants,
    parse,
)
from alembic_git.revisions.source import Source, blob_id

# Alembic's legacy rule: a file named only by hex digits may omit ``revision``.
_LEGACY_REV = re.compile(r"([a-f0-9]+)\.py$")
_MAX_IMPORT_DEPTH = 4


@dataclass(frozen=True)
class RevisionFile:
    """One revision as read from its file."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    path: str  # absolute
    display: str  # as messages show it
    parsed: ParsedFile

    @property
    def message(self) -> str:
        return self.parsed.doc

    @property
    def title(self) -> str:
        """The message's first line, as one-line reports show it."""
        return self.parsed.doc.splitlines()[0] if self.parsed.doc else ""

    def line_of(self, field: str) -> int | None:
        assignment = self.parsed.fields.get(field)
        return assignment.line if assignment else None

    @property
    def where(self) -> str:
        line = self.line_of("revision")
        return f"{self.display}:{line}" if line else self.display


class _Resolver:
    """Follows ``from pkg.mod import NAME`` to constants in the same repository."""

    def __init__(self, source: Source, env: Environment, limit: SizeLimit) -> None:
        self.source, self.env, self.limit = source, env, limit
        self._modules: dict[str, dict[str, Value] | None] = {}

    def _constants(self, module: str) -> dict[str, Value] | None:
        if module not in self._modules:
            found: dict[str, Value] | None = None
            rel = module.replace(".", "/")
            for base in self.env.search_path:
                for candidate in (f"{base}/{rel}.py", f"{base}/{rel}/__init__.py"):
                    data = self.source.read(candidate)
                    if data is not None:
                        self.limit.check(len(data), self.source.display(candidate))
                        # the package that relative imports in this module start from
                        is_package = candidate.endswith("/__init__.py")
                        package = module if is_package else module.rpartition(".")[0]
                        found = module_constants(data, package)
                        break
                if found is not None:
                    break
            self._modules[module] = found
        return self._modules[module]

    def scalar(self, value: object, depth: int = 0) -> object:
        if isinstance(value, tuple):
            return tuple(self.scalar(item, depth) for item in value)
        if isinstance(value, ImportRef) and depth < _MAX_IMPORT_DEPTH:
            constants = self._constants(value.module)
            if constants is not None and value.name in constants:
                inner = constants[value.name]
                if isinstance(inner, Unknown):  # say where it is
                    return Unknown(f"{value.module}.{value.name}", inner.reason)
                return self.scalar(inner, depth + 1)
        return value

    def value(self, value: Value) -> object:
        """The value with imported constants replaced by theirs, nesting kept."""
        return self.scalar(value)


def _static(value: object, what: str, display: str, assignment: Assignment) -> None:
    """Raise unless every part of ``value`` is a literal (a string, None or a tuple)."""
    if isinstance(value, tuple):
        for item in value:
            _static(item, what, display, assignment)
        return
    if isinstance(value, ImportRef):
        shown = f"{value.module}.{value.name}"
        hint = "make it a string literal, or keep the constant in a module of this repository"
    elif isinstance(value, Unknown):
        shown = value.code
        hint = value.reason or "write the value as a string literal"
        hint += " (alembic-git never imports migrations)"
    else:
        return
    raise AlembicGitError(
        f"{what} = {shown} cannot be read statically",
        path=display,
        line=assignment.line,
        hint=hint,
    )


# Alembic's util.to_tuple and revision.tuple_rev_as_scalar, over static values.
def _to_tuple(
    value: object, default: tuple[object, ...] | None = None
) -> tuple[object, ...] | None:
    if value is None:
        return default
    return value if isinstance(value, tuple) else (value,)


def _scalar(items: tuple[object, ...] | None) -> object:
    if not items:
        return None
    return items[0] if len(items) == 1 else items


class _Reading:
    """One field's value as Alembic's Script and Revision normalize it."""

    def __init__(self, value: object, what: str, display: str, assignment: Assignment) -> None:
        _static(value, what, display, assignment)
        self.value, self.what, self.display, self.assignment = value, what, display, assignment

    def fail(self, problem: str, hint: str) -> AlembicGitError:
        return AlembicGitError(
            f"{self.what} = {self.value!r}: {problem}",
            path=self.display,
            line=self.assignment.line,
            hint=hint,
        )

    def ids(self, items: tuple[object, ...]) -> tuple[str, ...]:
        for item in items:
            if not isinstance(item, str):
                raise self.fail(
                    f"Alembic reads {item!r} as one id and fails",
                    "use a string, a flat tuple of strings, or None",
                )
        return tuple(str(i) for i in items)

    def revision(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail("revision must be one string", "write revision = '<id>'")
        return self.value

    def down_revision(self) -> tuple[str, ...]:
        # Revision.__init__: tuple_rev_as_scalar(to_tuple(x)); readers use to_tuple(that, ())
        down = _to_tuple(_scalar(_to_tuple(self.value)), ()) or ()
        ids = self.ids(down)
        if "" in ids:
            raise self.fail(
                "Alembic looks for a revision named '' and fails (KeyError: '')",
                "write down_revision = None for a base, or the parent's id",
            )
        return ids

    def depends_on(self, is_base: bool) -> tuple[str, ...]:
        # Script passes to_tuple(x, ()); Revision keeps tuple_rev_as_scalar(to_tuple(that)),
        # and RevisionMap follows it only when it is truthy.
        kept = _scalar(_to_tuple(_to_tuple(self.value, ())))
        if kept is None:
            return ()
        if not kept:  # "" or (): no dependency, yet not None, so not a "real base"
            if is_base:
                raise self.fail(
                    "on a base revision Alembic fails with DependencyCycleDetected",
                    "write depends_on = None",
                )
            return ()
        ids = self.ids(_to_tuple(kept) or ())
        if "" in ids:
            raise self.fail(
                "Alembic looks for a revision named '' and fails (KeyError: '')",
                "remove the empty string",
            )
        return ids

    def branch_labels(self) -> tuple[str, ...]:
        return self.ids(_to_tuple(_to_tuple(self.value, ()), ()) or ())


def locate_revision_files(source: Source, env: Environment) -> list[tuple[str, str | None]]:
    """Every revision file of the environment, in Alembic's load order, without duplicates."""
    folders = list(env.version_locations)  # a missing one lists nothing, as Alembic skips it
    listings = [source.revision_files(folder, env.recursive) for folder in folders]
    if len(listings) == 1:
        return listings[0]
    # Overlapping locations list a file twice; Alembic loads it once (by real path).
    seen: set[str] = set()
    found = []
    for folder, listing in zip(folders, listings, strict=True):
        real_folder = os.path.realpath(folder) if listing and listing[0][1] is None else folder
        for path, oid in listing:
            real = real_folder + path[len(folder) :]
            if real not in seen:
                seen.add(real)
                found.append((path, oid))
    return found


def parse_all(
    source: Source,
    entries: Sequence[tuple[str, str | None]],
    cache: ParseCache,
    limit: SizeLimit | None = None,
) -> list[tuple[str, str, ParsedFile]]:
    """(path, blob id, parsed) for each entry, reading and parsing only what the cache lacks.

    A file over the size limit is refused before it is parsed: before it is read when the
    source knows its size (the work tree), else right after (a git blob)."""
    limit = limit or SizeLimit.configured()
    results: dict[int, tuple[str, str, ParsedFile]] = {}
    to_read: list[int] = []
    for i, (path, oid) in enumerate(entries):
        hit = cache.get(oid) if oid is not None else None
        if hit is not None and oid is not None:
            limit.check(hit.size, source.display(path))  # the limit may be lower now
            results[i] = (path, oid, hit)
        else:
            to_read.append(i)
    wanted = [entries[i] for i in to_read]
    for (path, _), size in zip(wanted, source.sizes(wanted), strict=True):
        if size is not None:
            limit.check(size, source.display(path))
    datas = source.read_many(wanted)
    for i, data in zip(to_read, datas, strict=True):
        path, oid = entries[i]
        limit.check(len(data), source.display(path))
        key = oid or blob_id(data)
        parsed = cache.get(key)
        if parsed is None:
            parsed = parse(data)
            cache.put(key, parsed)
        results[i] = (path, key, parsed)
    return [results[i] for i in range(len(entries))]


def to_revision_file(
    source: Source, path: str, parsed: ParsedFile, resolver: _Resolver
) -> RevisionFile:
    display = source.display(path)
    if parsed.syntax_error is not None:
        message, line = parsed.syntax_error
        raise AlembicGitError(message, path=display, line=line, hint="fix the file and run again")
    if parsed.refusal is not None:
        message, line, hint = parsed.refusal
        raise AlembicGitError(message, path=display, line=line, hint=hint)
    fields = parsed.fields
    rev_assign = fields.get("revision")
    if rev_assign is None:
        legacy = _LEGACY_REV.match(os.path.basename(path))
        if legacy is None:
            raise AlembicGitError(
                "no module-level 'revision = ...' assignment",
                path=display,
                line=1,
                hint="every revision file needs one (only files named by hex alone may omit it)",
            )
        revision = legacy.group(1)
    else:
        revision = _Reading(
            resolver.value(rev_assign.value), "revision", display, rev_assign
        ).revision()
    down_assign = fields.get("down_revision")
    if down_assign is None:
        raise AlembicGitError(
            "no module-level 'down_revision = ...' assignment",
            path=display,
            line=rev_assign.line if rev_assign else 1,
            hint="add down_revision = None for a base, or the parent's revision id",
        )
    down = _Reading(
        resolver.value(down_assign.value), "down_revision", display, down_assign
    ).down_revision()
    labels: tuple[str, ...] = ()
    if "branch_labels" in fields:
        a = fields["branch_labels"]
        labels = _Reading(resolver.value(a.value), "branch_labels", display, a).branch_labels()
    deps: tuple[str, ...] = ()
    if "depends_on" in fields:
        a = fields["depends_on"]
        deps = _Reading(resolver.value(a.value), "depends_on", display, a).depends_on(not down)
    return RevisionFile(
        revision=revision,
        down_revisions=down,
        branch_labels=labels,
        depends_on=deps,
        path=path,
        display=display,
        parsed=parsed,
    )


def _self_contained(parsed: ParsedFile) -> bool:
    """True when the file's values need no other module: its RevisionFile can be reused."""

    def plain(value: Value) -> bool:
        if isinstance(value, tuple):
            return all(plain(v) for v in value)
        return not isinstance(value, ImportRef)

    return all(plain(a.value) for a in parsed.fields.values())


FileMemo = dict[tuple[str, str], RevisionFile]


def read_revision_file(
    source: Source, env: Environment, path: str, data: bytes, limit: SizeLimit | None = None
) -> RevisionFile:
    """One revision file read alone (no cache): for a handful of files, such as the ones a
    push adds.  Raises ``AlembicGitError`` as a full load would."""
    limit = limit or SizeLimit.configured()
    limit.check(len(data), source.display(path))
    return to_revision_file(source, path, parse(data), _Resolver(source, env, limit))


def load_revision_files(
    source: Source,
    env: Environment,
    cache: ParseCache,
    memo: FileMemo | None = None,
    limit: SizeLimit | None = None,
) -> list[RevisionFile]:
    """The environment's revision files; ``memo`` shares them between commits of one run
    (forecast reads one mostly-unchanged history per branch).  ``limit``: the largest file
    read (default: the environment variable, else 4 MiB)."""
    limit = limit or SizeLimit.configured()
    entries = locate_revision_files(source, env)
    memo = memo if memo is not None else {}
    found: dict[int, RevisionFile] = {}
    missing = []
    for i, (path, oid) in enumerate(entries):
        hit = memo.get((path, oid)) if oid is not None else None
        if hit is not None:
            found[i] = hit
        else:
            missing.append(i)
    if missing:
        resolver = _Resolver(source, env, limit)
        parsed_all = parse_all(source, [entries[i] for i in missing], cache, limit)
        for i, (path, oid, parsed) in zip(missing, parsed_all, strict=True):
            f = to_revision_file(source, path, parsed, resolver)
            if _self_contained(parsed):
                memo[(path, oid)] = f
            found[i] = f
    return [found[i] for i in range(len(entries))]
