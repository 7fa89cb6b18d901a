"""Never "ok" on nothing: an environment that yields no revision is an error that says what
was looked at, and relative paths are resolved exactly as Alembic resolves them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support.alembic_view import alembic_head_ids
from support.ours import sorted_heads
from support.repo import INI, add_revision, commit_all, git, init_project, run_cli


def test_an_empty_version_folder_is_an_error_not_ok(project: Path) -> None:
    for command in (["heads"], ["check"], ["check", "--format", "json"]):
        result = run_cli(project, *command)
        assert result.returncode == 2, (command, result.stdout)
        assert "no revision file in migrations/versions" in result.stderr
        assert "script_location = '%(here)s/migrations' in alembic.ini" in result.stderr
        assert "ok" not in result.stdout
        assert "Traceback" not in result.stderr


def test_a_missing_version_folder_names_where_relative_paths_start(project: Path) -> None:
    shutil.rmtree(project / "migrations" / "versions")
    result = run_cli(project, "check")
    assert result.returncode == 2
    assert "migrations/versions" in result.stderr
    assert "is not a folder in the working tree" in result.stderr
    assert "[[tool.alembic-git.environments]]" in result.stderr


def _neutron_like(root: Path, recursive: bool) -> Path:
    """Neutron: revisions in versions/<release>/{expand,contract}, one label per branch."""
    ini = INI.replace("%(here)s/migrations", "%(here)s/neutron/db/migration/alembic_migrations")
    if recursive:
        ini = ini.replace(
            "path_separator = os\n", "path_separator = os\nrecursive_version_locations = true\n"
        )
    repo = init_project(root, ini=ini, commit=False)
    shutil.move(str(repo / "migrations"), str(repo / "neutron/db/migration/alembic_migrations"))
    versions = "neutron/db/migration/alembic_migrations/versions"
    add_revision(repo, "a0a0a0a0a0a0", None, "start", folder=versions)
    add_revision(
        repo,
        "e1e1e1e1e1e1",
        "a0a0a0a0a0a0",
        "expand initial",
        folder=f"{versions}/liberty/expand",
        branch_labels="expand",
    )
    add_revision(
        repo,
        "c1c1c1c1c1c1",
        "a0a0a0a0a0a0",
        "contract initial",
        folder=f"{versions}/liberty/contract",
        branch_labels="contract",
    )
    add_revision(
        repo, "e2e2e2e2e2e2", "e1e1e1e1e1e1", "expand more", folder=f"{versions}/2025.1/expand"
    )
    os.remove(next((repo / versions).glob("a0a0*.py")))  # only sub-folders hold revisions
    add_revision(repo, "a0a0a0a0a0a0", None, "start", folder=f"{versions}/liberty")
    commit_all(repo, "neutron-like layout")
    return repo


def test_revisions_only_in_sub_folders_ask_for_recursive_version_locations(
    tmp_path: Path,
) -> None:
    repo = _neutron_like(tmp_path / "neutron", recursive=False)
    assert alembic_head_ids(repo) == []  # Alembic reads the top folder only
    result = run_cli(repo, "check")
    assert result.returncode == 2
    assert "but sub-folders hold some" in result.stderr
    assert "recursive_version_locations = true" in result.stderr
    for args in (["--all", "check"], ["check", "--rev", "HEAD"]):
        again = run_cli(repo, *args)
        assert again.returncode == 2 and "sub-folders hold some" in again.stderr, args


def test_a_recursive_layout_reads_every_sub_folder_as_alembic_does(tmp_path: Path) -> None:
    repo = _neutron_like(tmp_path / "neutron", recursive=True)
    expected = alembic_head_ids(repo)
    assert expected == ["c1c1c1c1c1c1", "e2e2e2e2e2e2"]
    for args in (["heads"], ["--all", "heads"], ["heads", "--rev", "HEAD"]):
        result = run_cli(repo, *args, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert sorted_heads(result.stdout) == expected, args
    assert run_cli(repo, "--all", "check").returncode == 0


def _ckan_like(root: Path) -> Path:
    """CKAN: ckan/migration/alembic.ini says ``script_location = .`` (its real config is
    built in code, which points at that folder)."""
    repo = init_project(root, ini=INI.replace("%(here)s/migrations", "."), commit=False)
    os.remove(repo / "alembic.ini")
    shutil.move(str(repo / "migrations"), str(repo / "ckan/migration"))
    (repo / "ckan/migration/alembic.ini").write_text(INI.replace("%(here)s/migrations", "."))
    folder = "ckan/migration/versions"
    add_revision(repo, "01a0a0a0a0a0", None, "create existing tables", folder=folder)
    add_revision(repo, "02b0b0b0b0b0", "01a0a0a0a0a0", "add apitoken", folder=folder)
    add_revision(repo, "02c0c0c0c0c0", "01a0a0a0a0a0", "add activity", folder=folder)
    commit_all(repo, "ckan-like layout, with two heads")
    return repo


def test_ckan_script_location_dot_from_the_root_fails_loudly(tmp_path: Path) -> None:
    repo = _ckan_like(tmp_path / "ckan")
    # Alembic, run from the root with this config, reads <root>/versions: nothing.
    assert alembic_head_ids(repo, "ckan/migration/alembic.ini") == []
    result = run_cli(repo, "-c", "ckan/migration/alembic.ini", "check")
    assert result.returncode == 2
    assert "versions (from script_location = '.' in ckan/migration/alembic.ini)" in result.stderr
    assert "relative paths start from the folder Alembic runs in" in result.stderr


def test_ckan_run_from_its_folder_finds_the_conflict_alembic_sees(tmp_path: Path) -> None:
    repo = _ckan_like(tmp_path / "ckan")
    folder = repo / "ckan/migration"
    expected = alembic_head_ids(folder)
    assert len(expected) == 2
    result = run_cli(folder, "-c", "alembic.ini", "check")
    assert result.returncode == 1, result.stderr
    assert all(h in result.stdout for h in expected)
    assert run_cli(repo, "--all", "check").returncode == 1  # --all: each config from its folder


@pytest.mark.parametrize(
    ("script_location", "version_locations", "run_from"),
    [
        ("migrations", None, "."),
        ("migrations", None, "sub"),
        ("%(here)s/migrations", None, "sub"),
        ("migrations", "other", "."),
        ("migrations", "%(here)s/other", "sub"),
        ("app:migrations", None, "."),
    ],
)
def test_relative_paths_resolve_as_alembic_resolves_them(
    tmp_path: Path, script_location: str, version_locations: str | None, run_from: str
) -> None:
    """Two copies of the folders, at the root and in sub/: which one each form reads
    depends on the folder it is resolved from; Alembic's heads decide."""
    repo = init_project(tmp_path / "p", commit=False)
    for base, rev in ((repo, "aaaaaaaaaaaa"), (repo / "sub", "bbbbbbbbbbbb")):
        for folder in ("migrations/versions", "other", "app/migrations/versions"):
            add_revision(base, rev + folder[:1], None, f"{folder[:1]} {rev}", folder=folder)
        (base / "app" / "__init__.py").write_text("")
    # prepend_sys_path makes ``app`` importable for Alembic, as projects do.
    ini = INI.replace("%(here)s/migrations", script_location).replace(
        "path_separator = os\n", "path_separator = os\nprepend_sys_path = .\n"
    )
    if version_locations:
        ini = ini.replace(
            "path_separator = os\n",
            f"path_separator = os\nversion_locations = {version_locations}\n",
        )
    (repo / "sub" / "alembic.ini").write_text(ini)
    (repo / "alembic.ini").unlink()
    commit_all(repo, "two copies")
    cwd = repo / run_from
    config = os.path.relpath(repo / "sub" / "alembic.ini", cwd)
    expected = alembic_head_ids(cwd, config)
    assert len(expected) == 1
    result = run_cli(cwd, "-c", config, "heads", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted_heads(result.stdout) == expected


def test_forecast_and_check_against_agree_on_a_branch_older_than_the_environment(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "work"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("before Alembic\n")
    commit_all(repo, "readme")
    git(repo, "branch", "docs")
    init_project(repo)  # main adopts Alembic after docs branched off
    add_revision(repo, "a1a1a1a1a1a1", None, "create users")
    commit_all(repo, "first migration")
    git(repo, "checkout", "-q", "docs")
    (repo / "README").write_text("docs only\n")
    commit_all(repo, "a branch without the Alembic folder")
    verdict = run_cli(repo, "check", "--against", "main")
    forecast = run_cli(repo, "forecast", "--target", "main", "--format", "json")
    assert verdict.returncode == 0, verdict.stderr
    assert forecast.returncode == 0, forecast.stderr
    statuses = {b["ref"]: b["status"] for b in json.loads(forecast.stdout)["branches"]}
    assert statuses == {"docs": "ok"}


def test_check_json_on_an_error_still_prints_json(project: Path) -> None:
    result = run_cli(project, "check", "--format", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["status"] == "error"
    assert "no revision file in migrations/versions" in data["error"]
    assert data["path"] == "alembic.ini"
    assert "no revision file" in result.stderr  # and the one line for people


def test_check_github_on_an_error_prints_an_annotation(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None)
    path = next((project / "migrations/versions").glob("*.py"))
    path.write_text(path.read_text().replace("revision: str = 'a1a1a1a1a1a1'", "revision = 3"))
    result = run_cli(project, "check", "--format", "github")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=migrations/versions/a1a1")
    assert ",line=" in lines[0]


def test_one_broken_environment_does_not_hide_anothers_conflict(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "mono", commit=False)
    add_revision(repo, "a1a1a1a1a1a1", None)
    add_revision(repo, "a2a2a2a2a2a2", "a1a1a1a1a1a1")
    add_revision(repo, "a3a3a3a3a3a3", "a1a1a1a1a1a1")
    (repo / "billing/migrations/versions").mkdir(parents=True)
    (repo / "billing/alembic.ini").write_text(INI)
    commit_all(repo, "one conflicting, one empty")
    result = run_cli(repo, "--all", "check", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["status"] == "conflict"
    statuses = {e["environment"]: e["status"] for e in data["environments"]}
    assert statuses == {"alembic.ini": "conflict", "billing/alembic.ini": "error"}
    assert "billing/alembic.ini: " in result.stderr and "no revision file" in result.stderr
