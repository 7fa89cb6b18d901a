"""Environments declared in [[tool.alembic-git.environments]]: projects whose Alembic config
is built in code (Prefect's two environments, CKAN's ``script_location = .``, Invenio's
revisions that chain into installed packages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.ours import heads_by_environment
from support.repo import (
    ALEMBIC_TEMPLATES,
    INI,
    add_revision,
    commit_all,
    git,
    init_project,
    run_cli,
)

PREFECT = "src/prefect/server/database"
MIGRATIONS = f"{PREFECT}/_migrations"
PREFECT_DECLARATION = f"""\
[project]
name = "prefect-like"

[[tool.alembic-git.environments]]
name = "postgresql"
version-locations = ["{MIGRATIONS}/versions/postgresql"]
script-template = "{MIGRATIONS}/script.py.mako"

[[tool.alembic-git.environments]]
name = "sqlite"
version-locations = ["{MIGRATIONS}/versions/sqlite"]
script-template = "{MIGRATIONS}/script.py.mako"
"""


def prefect_like(root: Path, declare: bool = True) -> Path:
    """Prefect: an ini whose script_location is a package path, a versions folder that holds
    only the two dialects' sub-folders, one template; the real config is built in code."""
    repo = root / "prefect"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / PREFECT).mkdir(parents=True)
    (repo / PREFECT / "alembic.ini").write_text(
        "[alembic]\nscript_location = prefect:server:database:_migrations\nprepend_sys_path = .\n"
    )
    template = (ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_text()
    (repo / MIGRATIONS).mkdir(parents=True)
    (repo / MIGRATIONS / "script.py.mako").write_text("# prefect's template\n" + template)
    for dialect, prefix in (("postgresql", "b"), ("sqlite", "5")):
        folder = f"{MIGRATIONS}/versions/{dialect}"
        add_revision(repo, prefix * 12, None, f"{dialect} initial", folder=folder)
        add_revision(repo, prefix * 6 + "0" * 6, prefix * 12, f"{dialect} second", folder=folder)
    if declare:
        (repo / "pyproject.toml").write_text(PREFECT_DECLARATION)
    commit_all(repo, "prefect-like layout")
    return repo


def test_prefect_without_a_declaration_fails_loudly_instead_of_passing(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path, declare=False)
    result = run_cli(repo / PREFECT, "check")
    assert result.returncode == 2
    assert "sub-folders hold some" in result.stderr


def test_declared_environments_are_each_reported_separately(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path)
    for cwd in (repo, repo / PREFECT):  # from anywhere in the repository
        result = run_cli(cwd, "heads", "--format", "json")
        assert result.returncode == 0, result.stderr
        assert heads_by_environment(result.stdout) == {
            "postgresql": ["bbbbbb000000"],
            "sqlite": ["555555000000"],
        }
    assert run_cli(repo, "check").returncode == 0


def test_env_and_dash_n_pick_one_declared_environment(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path)
    for flags in (["--env", "sqlite"], ["-n", "sqlite"]):
        result = run_cli(repo, *flags, "heads", "--format", "json")
        assert result.returncode == 0, result.stderr
        assert heads_by_environment(result.stdout) == {"sqlite": ["555555000000"]}
    unknown = run_cli(repo, "--env", "mysql", "heads")
    assert unknown.returncode == 2
    assert "no declared environment is named 'mysql'" in unknown.stderr
    assert "declared: postgresql, sqlite" in unknown.stderr


def test_env_without_declarations_is_an_error(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None)
    result = run_cli(project, "--env", "sqlite", "heads")
    assert result.returncode == 2
    assert "no environment is declared" in result.stderr


def test_a_fork_in_one_declared_environment_names_it_and_its_fix(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path)
    add_revision(
        repo, "5c5c5c5c5c5c", "555555555555", "sqlite fork", folder=f"{MIGRATIONS}/versions/sqlite"
    )
    result = run_cli(repo, "check")
    assert result.returncode == 1
    assert "sqlite: 2 heads" in result.stdout
    assert "postgresql" not in result.stdout.split("sqlite: 2 heads")[1]
    assert "alembic-git --env sqlite merge-heads" in result.stdout


def test_merge_heads_writes_the_merge_from_the_declared_template(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path)
    add_revision(
        repo, "5c5c5c5c5c5c", "555555555555", "sqlite fork", folder=f"{MIGRATIONS}/versions/sqlite"
    )
    commit_all(repo, "a fork")
    result = run_cli(repo, "--env", "sqlite", "merge-heads", "--strategy", "merge")
    assert result.returncode == 0, result.stderr
    written = [
        p
        for p in (repo / MIGRATIONS / "versions" / "sqlite").glob("*.py")
        if "down_revision" in p.read_text() and "# prefect's template" in p.read_text()
    ]
    assert len(written) == 1
    assert run_cli(repo, "check").returncode == 0
    # Alembic agrees: one head in that folder
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(
        str(repo / MIGRATIONS), version_locations=[str(repo / MIGRATIONS / "versions/sqlite")]
    )
    assert len(script.get_heads()) == 1


def test_joining_two_environments_with_version_location_gets_a_note(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path)
    result = run_cli(
        repo,
        "--version-location",
        f"{MIGRATIONS}/versions/postgresql",
        "--version-location",
        f"{MIGRATIONS}/versions/sqlite",
        "check",
    )
    assert result.returncode == 1  # two heads in one graph: Alembic would say the same
    assert "form 2 graphs that share no ancestor" in result.stderr
    alone = run_cli(repo, "--version-location", f"{MIGRATIONS}/versions/sqlite", "check")
    assert alone.returncode == 0 and "share no ancestor" not in alone.stderr


def test_a_commit_is_read_with_the_environments_it_declares(tmp_path: Path) -> None:
    repo = prefect_like(tmp_path, declare=False)
    (repo / "pyproject.toml").write_text(PREFECT_DECLARATION)
    commit_all(repo, "declare")
    (repo / "pyproject.toml").unlink()  # the work tree no longer declares them
    result = run_cli(repo, "heads", "--rev", "HEAD", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert set(heads_by_environment(result.stdout)) == {"postgresql", "sqlite"}
    before = run_cli(repo, "heads", "--rev", "HEAD~1")
    assert before.returncode == 2  # the earlier commit declares nothing: the ini is read


def test_ckan_declared_with_its_config_and_working_directory(tmp_path: Path) -> None:
    repo = init_project(
        tmp_path / "ckan", ini=INI.replace("%(here)s/migrations", "."), commit=False
    )
    (repo / "alembic.ini").unlink()
    shutil.move(str(repo / "migrations"), str(repo / "ckan/migration"))
    (repo / "ckan/migration/alembic.ini").write_text(INI.replace("%(here)s/migrations", "."))
    add_revision(repo, "01a0a0a0a0a0", None, "existing tables", folder="ckan/migration/versions")
    add_revision(repo, "02b0b0b0b0b0", "01a0a0a0a0a0", "apitoken", folder="ckan/migration/versions")
    (repo / "pyproject.toml").write_text(
        '[[tool.alembic-git.environments]]\nname = "ckan"\n'
        'config = "ckan/migration/alembic.ini"\nworking-directory = "ckan/migration"\n'
    )
    commit_all(repo, "ckan-like, declared")
    result = run_cli(repo, "heads", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert heads_by_environment(result.stdout) == {"ckan": ["02b0b0b0b0b0"]}
    (repo / "pyproject.toml").write_text(
        '[[tool.alembic-git.environments]]\nname = "ckan"\nconfig = "ckan/migration/alembic.ini"\n'
    )
    wrong = run_cli(repo, "check")  # read from the root, '.' is the root: loudly nothing
    assert wrong.returncode == 2
    assert "relative paths start from the folder Alembic runs in" in wrong.stderr


def test_invenio_external_locations_are_read_at_every_commit_and_marked(tmp_path: Path) -> None:
    """An Invenio package's revisions chain into another, installed, package's revisions."""
    installed = tmp_path / "site-packages" / "invenio_db" / "alembic"
    add_revision(
        installed.parent.parent,
        "dbdbdbdbdbdb",
        None,
        "invenio_db base",
        folder="invenio_db/alembic",
        branch_labels="invenio_db",
    )
    repo = init_project(tmp_path / "invenio_accounts", commit=False)
    add_revision(
        repo,
        "acacacacacac",
        None,
        "accounts base",
        branch_labels="invenio_accounts",
        depends_on="dbdbdbdbdbdb",
    )
    add_revision(repo, "ac2222222222", "acacacacacac", "accounts users")
    (repo / "pyproject.toml").write_text(
        '[[tool.alembic-git.environments]]\nname = "accounts"\n'
        'version-locations = ["migrations/versions"]\n'
        f'external-version-locations = ["{installed}"]\n'
        'script-template = "migrations/script.py.mako"\n'
    )
    commit_all(repo, "accounts")
    for args in (["heads"], ["heads", "--rev", "HEAD"]):
        result = run_cli(repo, *args, "--format", "json")
        assert result.returncode == 0, result.stderr
        heads = heads_by_environment(result.stdout)["accounts"]
        assert sorted(heads) == ["ac2222222222", "dbdbdbdbdbdb"]
    add_revision(
        installed.parent.parent,
        "db2222222222",
        "dbdbdbdbdbdb",
        "db fork",
        folder="invenio_db/alembic",
    )
    add_revision(
        installed.parent.parent,
        "db3333333333",
        "dbdbdbdbdbdb",
        "db fork 2",
        folder="invenio_db/alembic",
    )
    result = run_cli(repo, "check")
    assert result.returncode == 1
    assert "(external)" in result.stdout
    shutil.rmtree(installed)
    missing = run_cli(repo, "check")
    assert missing.returncode == 2
    assert "external version location" in missing.stderr


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            '[[tool.alembic-git.environments]]\nname = "x"\nversion-location = ["a"]\n',
            "unknown key 'version-location'",
        ),
        ('[[tool.alembic-git.environments]]\nversion-locations = ["a"]\n', "needs a name"),
        (
            '[[tool.alembic-git.environments]]\nname = "x"\n',
            "needs exactly one of 'version-locations' or 'config'",
        ),
        (
            '[[tool.alembic-git.environments]]\nname = "x"\nversion-locations = ["a"]\n'
            '[[tool.alembic-git.environments]]\nname = "x"\nversion-locations = ["b"]\n',
            "two declared environments are named 'x'",
        ),
        ('[tool.alembic-git]\nenvironments = "a"\n', "must be an array of tables"),
    ],
)
def test_a_bad_declaration_is_one_line_naming_the_file(
    project: Path, declaration: str, message: str
) -> None:
    add_revision(project, "a1a1a1a1a1a1", None)
    (project / "pyproject.toml").write_text(declaration)
    result = run_cli(project, "heads")
    assert result.returncode == 2
    assert message in result.stderr
    assert "pyproject.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
