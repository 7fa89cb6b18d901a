"""``alembic-git db status`` on SQLite: what the database ran against this branch."""

from __future__ import annotations

import json
from pathlib import Path

from support.dbproject import (
    add_main_revision,
    set_version_table,
    sqlite_rows,
    sqlite_tables,
    switch_scene,
    upgrade,
)
from support.repo import add_revision, commit_all, init_project, run_cli


def _status(project: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_cli(project, "db", "status", *args, env={"DATABASE_URL": "", **(env or {})})


def test_orphaned_after_switching_away_from_the_branch_that_ran_it(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout) == {
        "status": "orphaned",
        "current": ["ffff0002"],
        "heads": ["aaaa0001"],
        "pending": [],
        "orphans": [
            {"revision": "ffff0002", "message": "add feature two", "found_in": ["feature"]},
            {"revision": "ffff0001", "message": "add feature", "found_in": ["feature"]},
        ],
    }


def test_orphaned_text_names_the_branch_and_both_fixes(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    proc = _status(project)
    assert proc.returncode == 1, proc.stderr
    db = project / "app.db"
    assert proc.stdout.splitlines() == [
        f"database sqlite:///{db} (sqlalchemy.url in alembic.ini): orphaned",
        "  the database is at ffff0002",
        "  it ran 2 revisions this branch does not have (newest first):",
        "    ffff0002  add feature two  (in feature)",
        "    ffff0001  add feature  (in feature)",
        "  to fix: alembic-git db sync",
        "     or: git switch feature && alembic downgrade aaaa0001 && git switch -",
    ]


def test_diverged_lists_pending_and_orphans(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    add_main_revision(project)
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "diverged"
    assert data["pending"] == ["eeee0001"]
    assert [o["revision"] for o in data["orphans"]] == ["ffff0002", "ffff0001"]


def test_up_to_date_exits_0_and_behind_lists_pending_in_upgrade_order(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    (project / ".gitignore").write_text("app.db\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "one", table="t1")
    commit_all(project, "one")
    upgrade(project)
    proc = _status(project)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "  at aaaa0001, this branch's head"
    add_revision(project, "bbbb0002", "aaaa0001", "two", table="t2")
    add_revision(project, "0ccc0003", "bbbb0002", "three", table="t3")
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {
        "status": "behind",
        "current": ["aaaa0001"],
        "heads": ["0ccc0003"],
        "pending": ["bbbb0002", "0ccc0003"],
        "orphans": [],
    }


def test_empty_when_no_version_table_and_nothing_is_created(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    add_revision(project, "aaaa0001", None, "one", table="t1")
    commit_all(project, "one")
    import sqlite3

    sqlite3.connect(project / "app.db").close()  # an empty database file
    before = (project / "app.db").read_bytes()
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["status"] == "empty"
    assert (project / "app.db").read_bytes() == before


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    add_revision(project, "aaaa0001", None, "one")
    commit_all(project, "one")
    proc = _status(project)
    assert proc.returncode == 2
    assert proc.stderr.startswith("alembic-git: error: cannot read database sqlite:///")
    assert not (project / "app.db").exists()


def test_url_option_and_env_var_win_over_the_config_and_hide_the_password(
    tmp_path: Path,
) -> None:
    project = switch_scene(tmp_path)
    url = f"sqlite:///{project / 'app.db'}"
    proc = _status(project, "--url", url)
    assert proc.stdout.startswith(f"database {url} (--url): orphaned")
    proc = _status(project, env={"DATABASE_URL": url})
    assert proc.stdout.startswith(f"database {url} ($DATABASE_URL): orphaned")
    proc = _status(project, "--url", "postgresql://app:s3cret@127.0.0.1:1/app")
    assert proc.returncode == 2
    assert "s3cret" not in proc.stdout + proc.stderr
    assert "postgresql://app:***@127.0.0.1:1/app" in proc.stderr


def test_version_table_and_schema_read_from_env_py(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    set_version_table(project, "my_versions", "main")  # SQLite's schema: "main"
    (project / ".gitignore").write_text("app.db\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "one", table="t1")
    commit_all(project, "one")
    upgrade(project)
    assert sqlite_rows(project / "app.db", "my_versions") == ["aaaa0001"]
    proc = _status(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "table main.my_versions)" in proc.stdout
    assert "alembic_version" not in sqlite_tables(project / "app.db")


def test_a_version_table_that_is_not_a_literal_is_an_error_naming_env_py(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    env_py = project / "migrations" / "env.py"
    env_py.write_text(
        env_py.read_text("utf-8").replace(
            "context.configure(", "context.configure(version_table=NAME, ", 1
        ),
        "utf-8",
    )
    add_revision(project, "aaaa0001", None, "one")
    commit_all(project, "one")
    proc = _status(project)
    assert proc.returncode == 2
    assert "migrations/env.py:" in proc.stderr
    assert "version_table=NAME cannot be read statically" in proc.stderr
    assert "version-table" in proc.stderr


def test_declared_environment_names_its_table_and_url_variable(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", commit=False)
    set_version_table(project, "my_versions")
    (project / "pyproject.toml").write_text(
        "[[tool.alembic-git.environments]]\n"
        'name = "app"\nconfig = "alembic.ini"\n'
        'version-table = "my_versions"\ndatabase-url-env = "APP_DB"\n',
        encoding="utf-8",
    )
    (project / ".gitignore").write_text("*.db\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "one", table="t1")
    commit_all(project, "one")
    upgrade(project)
    other = project / "other.db"
    (project / "app.db").rename(other)
    proc = _status(project, env={"APP_DB": f"sqlite:///{other}"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(
        f"database sqlite:///{other} ($APP_DB, table my_versions): up-to-date"
    )


def test_check_and_the_hook_never_import_sqlalchemy(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = switch_scene(tmp_path)
    code = (
        "import sys\nfrom alembic_git.cli import main\n"
        "main(['check']); main(['heads']); main(['hook', 'pre-push', 'origin', 'x'])\n"
        "print('sqlalchemy' in sys.modules, 'alembic' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, input=""
    )
    assert proc.stdout.splitlines()[-1] == "False False", proc.stdout + proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", code.replace("main(['check'])", "main(['db', 'status'])")],
        cwd=project, capture_output=True, text=True, input="",
    )
    assert proc.stdout.splitlines()[-1].startswith("True"), proc.stdout + proc.stderr


def test_a_deleted_branch_is_still_found_in_the_reflog(tmp_path: Path) -> None:
    from support.repo import git

    project = switch_scene(tmp_path)
    sha = git(project, "rev-parse", "feature")
    git(project, "branch", "-D", "feature")
    proc = _status(project)
    assert proc.returncode == 1, proc.stderr
    assert f"    ffff0002  add feature two  (in commit {sha[:12]})" in proc.stdout
    assert (
        f"     or: git switch --detach {sha[:12]} && alembic downgrade aaaa0001 && git switch -"
        in proc.stdout
    )


def test_json_on_an_error_says_error(tmp_path: Path) -> None:
    project = init_project(tmp_path / "proj", ini="[alembic]\nscript_location = migrations\n")
    add_revision(project, "aaaa0001", None, "one")
    proc = _status(project, "--format", "json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["status"] == "error"
    assert data["error"].startswith("alembic.ini: no database URL: no --url, $DATABASE_URL is not")


def test_each_declared_environment_against_its_own_database(tmp_path: Path) -> None:
    import shutil

    from support.repo import alembic_cli

    project = init_project(tmp_path / "proj", commit=False)
    shutil.copytree(project / "migrations", project / "b" / "migrations")
    shutil.copy(project / "alembic.ini", project / "b" / "alembic.ini")
    (project / ".gitignore").write_text("*.db\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[[tool.alembic-git.environments]]\nname = "a"\nconfig = "alembic.ini"\n'
        '[[tool.alembic-git.environments]]\nname = "b"\nconfig = "b/alembic.ini"\n'
        'database-url-env = "B_DATABASE_URL"\n',
        encoding="utf-8",
    )
    add_revision(project, "aaaa0001", None, "a one", table="a1")
    add_revision(project, "bbbb0001", None, "b one", table="b1", folder="b/migrations/versions")
    commit_all(project, "two environments")
    upgrade(project)  # a's database only
    assert alembic_cli(project, "-c", "b/alembic.ini", "upgrade", "heads").returncode == 0
    b_db = project / "b" / "app.db"
    b_db.rename(project / "b.db")
    proc = _status(
        project, "--format", "json", env={"B_DATABASE_URL": f"sqlite:///{project / 'b.db'}"}
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "up-to-date"
    assert [(e["environment"], e["database"], e["current"]) for e in data["environments"]] == [
        ("a", f"sqlite:///{project / 'app.db'}", ["aaaa0001"]),
        ("b", f"sqlite:///{project / 'b.db'}", ["bbbb0001"]),
    ]
    proc = _status(project)  # b's variable unset: its config's URL, where nothing ran
    assert proc.returncode == 2
    assert proc.stdout.startswith(f"a: database sqlite:///{project / 'app.db'} ")
    assert proc.stderr.startswith("alembic-git: error: b: cannot read database sqlite:///")


def test_pending_is_in_the_order_alembic_upgrades_them(tmp_path: Path) -> None:
    """Alembic itself is the oracle: the "Running upgrade" lines of ``upgrade --sql``."""
    import re

    from support.repo import alembic_cli

    project = init_project(tmp_path / "proj", commit=False)
    (project / ".gitignore").write_text("app.db\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "base", table="t0")
    commit_all(project, "base")
    upgrade(project)
    add_revision(project, "0ddd0004", "cccc0003", "d", table="t4")
    add_revision(project, "bbbb0002", "aaaa0001", "b", table="t2")
    add_revision(project, "cccc0003", "aaaa0001", "c", table="t3", depends_on="bbbb0002")
    add_revision(project, "9eee0005", ("0ddd0004", "bbbb0002"), "e")
    add_revision(project, "1fff0006", "aaaa0001", "f", table="t6")
    commit_all(project, "more")
    proc = _status(project, "--format", "json")
    pending = json.loads(proc.stdout)["pending"]
    ran = alembic_cli(project, "upgrade", "--sql", "aaaa0001:heads")
    assert ran.returncode == 0, ran.stderr
    order = re.findall(r"-- Running upgrade [\w, ]* -> (\w+)", ran.stdout)
    assert sorted(pending) == sorted(order), ran.stdout
    assert pending == order


def test_upgrade_order_matches_alembic_on_random_graphs(tmp_path: Path) -> None:
    """Forks, merges and depends_on, each compared with Alembic's own iterate_revisions
    (the order `upgrade` runs them in), from a random point the database is at."""
    import random
    import shutil

    from support.repo import alembic_script_directory

    from alembic_git.db.status import ran_revisions, upgrade_order
    from alembic_git.revisions.cache import ParseCache
    from alembic_git.revisions.discovery import Environment
    from alembic_git.revisions.graph import RevisionGraph
    from alembic_git.revisions.loader import load_revision_files
    from alembic_git.revisions.source import WorktreeSource

    rng = random.Random(12)
    project = init_project(tmp_path / "proj", commit=False)
    versions = project / "migrations" / "versions"
    for case in range(60):
        shutil.rmtree(versions)
        versions.mkdir()
        revs = [f"{rng.randrange(16**8):08x}" for _ in range(rng.randrange(3, 9))]
        for i, rev in enumerate(revs):
            parents = rng.sample(revs[:i], k=min(i, rng.choice((1, 1, 1, 2))))
            deps = rng.sample(revs[:i], k=1) if i > 1 and rng.random() < 0.3 else None
            deps = [d for d in deps or [] if d not in parents] or None
            add_revision(project, rev, parents or None, f"r{i}", depends_on=deps)
        env = Environment("t", (str(versions),))
        graph = RevisionGraph(
            load_revision_files(WorktreeSource(str(project)), env, ParseCache(None))
        )
        at = rng.choice(revs)
        ours = upgrade_order(graph, ran_revisions(graph, [at]))
        script = alembic_script_directory(project)
        theirs = [
            r.revision
            for r in reversed(
                list(script.revision_map.iterate_revisions("heads", at, implicit_base=True))
            )
        ]
        shape = [(f.revision, f.down_revisions, f.depends_on) for f in graph.files]
        assert list(ours) == theirs, (case, shape, at)


def test_the_fix_names_the_config_when_run_from_another_folder(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    add_main_revision(project)
    git_dir_sub = project / "migrations"
    proc = _status(git_dir_sub)
    assert proc.returncode == 1, proc.stderr
    assert (
        "     or: git switch feature && alembic -c ../alembic.ini downgrade aaaa0001 "
        "&& git switch - && alembic -c ../alembic.ini upgrade heads"
    ) in proc.stdout
