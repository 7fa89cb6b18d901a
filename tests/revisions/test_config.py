"""Config discovery: alembic-git finds the same revision files as the real ``alembic``.

Each test writes a real configuration (alembic.ini, pyproject.toml, or both),
runs ``alembic heads`` and ``alembic-git heads`` in the same folder with the
same options, and compares what they print.  Where alembic-git goes further
than Alembic (searching upward, reading ``package:folder`` without importing,
``--version-location`` without any config, ``--all``), the test says so.

Both command lines run in-process (``alembic.config.CommandLine`` step by step
as its ``main`` does, and ``alembic_git.cli.main``): a subprocess each costs
about a second.  The tests where importing matters run the real processes.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import pytest
from support.alembic_view import alembic_heads
from support.paths import EXAMPLES
from support.repo import add_revision, alembic_cli, git, run_cli

from alembic_git.revisions.discovery import Selection
from alembic_git.revisions.selection import select_environments
from alembic_git.revisions.source import WorktreeSource

MINI_INI = "[alembic]\nscript_location = {script}\npath_separator = os\n"


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


def ours_heads(cwd: Path, *args: str) -> tuple[int, str, str]:
    """``alembic-git [args] heads`` from ``cwd``: (exit code, stdout, stderr)."""
    result = run_cli(cwd, *args, "heads")
    return result.returncode, result.stdout, result.stderr


def same_heads(cwd: Path, *args: str, expect: str) -> None:
    """``alembic heads`` and ``alembic-git heads`` print ``expect``, from ``cwd``."""
    assert alembic_heads(cwd, *args) == expect
    assert ours_heads(cwd, *args) == (0, expect, "")


def ini_and_toml_project(root: Path) -> None:
    """An ini pointing at imig/, a [tool.alembic] pointing at tmig/, one head in each."""
    (root / "alembic.ini").write_text(MINI_INI.format(script="%(here)s/imig"), encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/tmig"\n', encoding="utf-8"
    )
    add_revision(root, "1111aa", None, folder="imig/versions")
    add_revision(root, "2222bb", None, folder="tmig/versions")


# --- which file: -c, -n, ALEMBIC_CONFIG -------------------------------------


def test_dash_c_names_an_ini_in_another_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "svc").mkdir()
    # A relative script_location is relative to the folder Alembic runs in.
    (root / "svc" / "custom.ini").write_text(
        MINI_INI.format(script="svc/migrations"), encoding="utf-8"
    )
    add_revision(root, "aaaa01", None, folder="svc/migrations/versions")
    same_heads(root, "-c", "svc/custom.ini", expect="aaaa01 (head)\n")


def test_dash_c_pyproject_alone_still_reads_alembic_ini_in_the_current_folder(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path)
    ini_and_toml_project(root)
    # Alembic defaults the ini to ./alembic.ini even when -c names only the
    # TOML file, and the ini's script_location wins.
    same_heads(root, "-c", "pyproject.toml", expect="1111aa (head)\n")


def test_dash_c_pyproject_alone_without_an_ini(tmp_path: Path) -> None:
    root = repo(tmp_path)
    ini_and_toml_project(root)
    (root / "alembic.ini").unlink()
    same_heads(root, "-c", "pyproject.toml", expect="2222bb (head)\n")


def test_dash_c_both_files_per_key_the_ini_wins(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "conf").mkdir()
    # script_location only in the TOML; version_locations in both: the ini's is used.
    (root / "conf" / "app.ini").write_text(
        "[alembic]\npath_separator = os\nversion_locations = %(here)s/../from_ini\n",
        encoding="utf-8",
    )
    (root / "conf" / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/../mig"\n'
        'version_locations = ["%(here)s/../from_toml"]\n',
        encoding="utf-8",
    )
    (root / "mig").mkdir()
    add_revision(root, "aaaa01", None, folder="from_ini")
    add_revision(root, "bbbb02", None, folder="from_toml")
    for order in (("conf/app.ini", "conf/pyproject.toml"), ("conf/pyproject.toml", "conf/app.ini")):
        same_heads(root, "-c", order[0], "-c", order[1], expect="aaaa01 (head)\n")


def test_dash_n_selects_another_ini_section(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(
        MINI_INI.format(script="%(here)s/one") + "\n" + "[second]\nscript_location = two\n",
        encoding="utf-8",
    )
    add_revision(root, "aaaa01", None, folder="one/versions")
    add_revision(root, "bbbb02", None, folder="two/versions")
    same_heads(root, expect="aaaa01 (head)\n")
    same_heads(root, "-n", "second", expect="bbbb02 (head)\n")


def test_alembic_config_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path)
    ini_and_toml_project(root)
    (root / "other.ini").write_text(MINI_INI.format(script="%(here)s/omig"), encoding="utf-8")
    add_revision(root, "3333cc", None, folder="omig/versions")
    monkeypatch.setenv("ALEMBIC_CONFIG", "other.ini")
    same_heads(root, expect="3333cc (head)\n")
    # ALEMBIC_CONFIG naming a pyproject.toml: ./alembic.ini is still read, and wins.
    monkeypatch.setenv("ALEMBIC_CONFIG", "pyproject.toml")
    same_heads(root, expect="1111aa (head)\n")
    (root / "alembic.ini").unlink()
    same_heads(root, expect="2222bb (head)\n")


# --- where: searching upward, [tool.alembic], %(here)s, relative paths ------


def test_searches_upward_from_a_subfolder_where_alembic_needs_the_config_folder(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(MINI_INI.format(script="migrations"), encoding="utf-8")
    add_revision(root, "aaaa01", None)
    deep = root / "app" / "models"
    deep.mkdir(parents=True)
    same_heads(root, expect="aaaa01 (head)\n")
    # Deliberate difference: Alembic looks only in the current folder ...
    assert alembic_heads(deep) == "FAILED: No 'script_location' key found in configuration.\n"
    # ... we search upward (to the repository root) and then resolve relative
    # paths from the config's folder, as `cd <that folder> && alembic heads` would.
    assert ours_heads(deep) == (0, "aaaa01 (head)\n", "")


def test_the_upward_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text(MINI_INI.format(script="migrations"), encoding="utf-8")
    root = repo(tmp_path)
    (root / "sub").mkdir()
    ours = run_cli(root / "sub", "heads")
    assert ours.returncode == 2
    assert ours.stdout == ""
    assert ours.stderr == (
        "alembic-git: error: no alembic.ini or pyproject.toml with [tool.alembic] in sub or "
        "above (the working tree); pass -c FILE, --all for every environment of a monorepo, "
        "or --version-location DIR for a config built in code\n"
    )


def test_tool_alembic_and_ini_in_one_folder_per_key_the_ini_wins(tmp_path: Path) -> None:
    root = repo(tmp_path)
    ini_and_toml_project(root)
    same_heads(root, expect="1111aa (head)\n")
    # Without script_location in the ini, the TOML's is used.
    (root / "alembic.ini").write_text("[alembic]\npath_separator = os\n", encoding="utf-8")
    same_heads(root, expect="2222bb (head)\n")


def test_pyproject_without_tool_alembic_is_not_a_config(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "alembic.ini").write_text(MINI_INI.format(script="mig"), encoding="utf-8")
    add_revision(root, "aaaa01", None, folder="sub/mig/versions")
    same_heads(root / "sub", expect="aaaa01 (head)\n")


def test_here_is_the_config_files_folder_in_ini_and_toml(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "a" / "alembic.ini").write_text(MINI_INI.format(script="%(here)s/m"), encoding="utf-8")
    (root / "b" / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/m"\n', encoding="utf-8"
    )
    add_revision(root, "aaaa01", None, folder="a/m/versions")
    add_revision(root, "bbbb02", None, folder="b/m/versions")
    same_heads(root, "-c", "a/alembic.ini", expect="aaaa01 (head)\n")
    same_heads(root, "-c", "b/pyproject.toml", expect="bbbb02 (head)\n")


def test_relative_script_location_is_relative_to_the_current_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "svc").mkdir()
    (root / "svc" / "alembic.ini").write_text(MINI_INI.format(script="mig"), encoding="utf-8")
    add_revision(root, "aaaa01", None, folder="svc/mig/versions")
    add_revision(root, "bbbb02", None, folder="mig/versions")
    # Same ini, two folders: "mig" means svc/mig from svc/, and ./mig from the root.
    same_heads(root / "svc", expect="aaaa01 (head)\n")
    same_heads(root, "-c", "svc/alembic.ini", expect="bbbb02 (head)\n")


def test_script_location_as_package_colon_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "myapp" / "db").mkdir(parents=True)
    (root / "myapp" / "__init__.py").write_text("", encoding="utf-8")
    (root / "myapp" / "db" / "__init__.py").write_text("", encoding="utf-8")
    (root / "alembic.ini").write_text(
        MINI_INI.format(script="myapp.db:migrations"), encoding="utf-8"
    )
    add_revision(root, "aaaa01", None, folder="myapp/db/migrations/versions")
    # Real processes: Alembic imports the package (importlib.resources).
    theirs, ours = alembic_cli(root, "heads"), run_cli(root, "heads")
    assert (theirs.returncode, theirs.stdout) == (0, "aaaa01 (head)\n")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, "aaaa01 (head)\n", "")


def test_package_colon_folder_is_found_without_importing_the_package(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "src" / "myapp").mkdir(parents=True)
    (root / "src" / "myapp" / "__init__.py").write_text(
        "import not_installed_dependency\n", encoding="utf-8"
    )
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = myapp:migrations\nprepend_sys_path = src\n"
        "path_separator = os\n",
        encoding="utf-8",
    )
    add_revision(root, "aaaa01", None, folder="src/myapp/migrations/versions")
    theirs = alembic_cli(root, "heads")
    assert "ModuleNotFoundError: No module named 'not_installed_dependency'" in theirs.stderr
    ours = run_cli(root, "heads")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, "aaaa01 (head)\n", "")


def test_a_missing_script_location_is_an_error_as_in_alembic(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(MINI_INI.format(script="migrationz"), encoding="utf-8")
    assert alembic_heads(root).startswith("FAILED: Path doesn't exist: migrationz.")
    # Reading no revisions would let `check` pass on a typo.
    assert ours_heads(root) == (
        2,
        "",
        "alembic-git: error: alembic.ini: script_location 'migrationz' is not a folder in the "
        "working tree (resolved to migrationz); fix script_location (relative paths start "
        "from the folder Alembic runs in)\n",
    )


# --- version_locations --------------------------------------------------------

SEPARATED = {
    "os": os.pathsep,
    "space": " ",
    "newline": "\n    ",
    ":": ":",
    ";": ";",
}


@pytest.mark.parametrize("separator", list(SEPARATED))
def test_version_locations_split_by_path_separator(tmp_path: Path, separator: str) -> None:
    root = repo(tmp_path)
    # Not in name order: Alembic reads the locations in the order given.
    joined = SEPARATED[separator].join(["%(here)s/v2", "%(here)s/v1", "v3"])
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = mig\npath_separator = {separator}\n"
        f"version_locations = {joined}\n",
        encoding="utf-8",
    )
    (root / "mig").mkdir()
    add_revision(root, "aaaa01", None, folder="v1")
    add_revision(root, "bbbb02", None, folder="v2")
    add_revision(root, "cccc03", None, folder="v3")
    same_heads(root, expect="bbbb02 (head)\naaaa01 (head)\ncccc03 (head)\n")


def test_version_path_separator_the_older_key(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = mig\nversion_path_separator = ;\n"
        "version_locations = v 1;v2\n",
        encoding="utf-8",
    )
    (root / "mig").mkdir()
    add_revision(root, "aaaa01", None, folder="v 1")
    add_revision(root, "bbbb02", None, folder="v2")
    same_heads(root, expect="aaaa01 (head)\nbbbb02 (head)\n")


def test_version_locations_without_separator_split_on_spaces_and_commas(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = mig\nversion_locations = v1, v2 v3,v4\n",
        encoding="utf-8",
    )
    (root / "mig").mkdir()
    for i, rev in enumerate(["aaaa01", "bbbb02", "cccc03", "dddd04"], start=1):
        add_revision(root, rev, None, folder=f"v{i}")
    same_heads(root, expect="aaaa01 (head)\nbbbb02 (head)\ncccc03 (head)\ndddd04 (head)\n")


@pytest.mark.parametrize("recursive", [True, False])
def test_recursive_version_locations_reads_subfolders(tmp_path: Path, recursive: bool) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(
        MINI_INI.format(script="mig")
        + f"recursive_version_locations = {'true' if recursive else 'false'}\n",
        encoding="utf-8",
    )
    add_revision(root, "aaaa01", None, folder="mig/versions")
    add_revision(root, "bbbb02", "aaaa01", folder="mig/versions/expand", branch_labels="expand")
    add_revision(root, "cccc03", "aaaa01", folder="mig/versions/z/contract")
    pycache = root / "mig" / "versions" / "__pycache__"
    pycache.mkdir()
    (pycache / "dddd04_stale.py").write_text("this is not python", encoding="utf-8")
    if recursive:
        same_heads(root, expect="bbbb02 (expand) (head)\ncccc03 (head)\n")
    else:
        same_heads(root, expect="aaaa01 (head)\n")


def test_missing_version_folders_are_skipped(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = mig\npath_separator = :\n"
        "version_locations = gone:mig/versions:also_gone\n",
        encoding="utf-8",
    )
    add_revision(root, "aaaa01", None, folder="mig/versions")
    same_heads(root, expect="aaaa01 (head)\n")


def test_toml_version_locations_and_recursive_flag(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/mig"\n'
        'version_locations = ["%(here)s/mig/versions", "%(here)s/plugins"]\n'
        "recursive_version_locations = true\n",
        encoding="utf-8",
    )
    add_revision(root, "aaaa01", None, folder="mig/versions")
    add_revision(root, "bbbb02", None, folder="plugins/one", branch_labels="one")
    same_heads(root, expect="aaaa01 (head)\nbbbb02 (one) (head)\n")


def test_version_location_option_needs_no_config(tmp_path: Path) -> None:
    root = repo(tmp_path)
    add_revision(root, "aaaa01", None, folder="db/versions")
    add_revision(root, "bbbb02", "aaaa01", folder="db/versions/more")
    add_revision(root, "cccc03", "aaaa01", folder="db/versions")
    # Alembic can only be configured in code here: ScriptDirectory is the oracle.
    from alembic.script import ScriptDirectory

    for recursive, expect in ((True, ("cccc03", "bbbb02")), (False, ("cccc03",))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            script = ScriptDirectory(
                str(root / "db"),
                version_locations=[str(root / "db" / "versions")],
                recursive_version_locations=recursive,
            )
            assert tuple(script.get_heads()) == expect
        flags = ["--recursive"] if recursive else []
        ours = run_cli(root, "--version-location", "db/versions", *flags, "heads")
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == "".join(f"{h} (head)\n" for h in expect)


def test_version_location_option_must_name_a_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert ours_heads(root, "--version-location", "db/versoins") == (
        2,
        "",
        "alembic-git: error: --version-location db/versoins is not a folder in the working "
        "tree; name an existing folder of revision files\n",
    )


def test_version_location_option_ignores_any_config(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n", encoding="utf-8")
    add_revision(root, "aaaa01", None, folder="db")
    source = WorktreeSource(str(root))
    (env,) = select_environments(source, str(root), Selection(version_locations=("db",)))
    assert env.version_locations == (f"{source.root}/db",)
    assert env.config_file is None


# --- --all ---------------------------------------------------------------------


def test_all_reports_every_environment_of_the_monorepo(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLES / "monorepo", root)
    git(root, "init", "-q")
    # A leftover config whose scripts do not exist (a test fixture) is no environment.
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "fixtures" / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/nowhere\n", encoding="utf-8"
    )
    ours = run_cli(root, "--all", "heads", "--format", "json")
    assert ours.returncode == 0, ours.stderr
    data = json.loads(ours.stdout)
    assert data["status"] == "ok"
    envs = {e["environment"]: e for e in data["environments"]}
    assert sorted(envs) == ["services/billing/alembic.ini", "services/users/pyproject.toml"]
    for name, env in envs.items():
        theirs = alembic_heads(root / Path(name).parent)
        assert theirs == "".join(f"{h['revision']} (head)\n" for h in env["heads"])
        assert env["status"] == "ok"
        assert env["revisions"] == 3
    text = run_cli(root, "--all", "heads")
    assert text.stdout == (
        "# services/billing/alembic.ini\na92c4e7b3d58 (head)\n"
        "# services/users/pyproject.toml\n2c6e8a0f4b93 (head)\n"
    )


def test_all_cannot_be_combined_with_dash_c(tmp_path: Path) -> None:
    root = repo(tmp_path)
    result = run_cli(root, "--all", "-c", "alembic.ini", "heads")
    assert result.returncode == 2
    assert "--all cannot be combined with -c or --version-location" in result.stderr


def test_a_pyproject_whose_tool_is_not_a_table_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "pyproject.toml").write_text('tool = "x"\n', encoding="utf-8")
    result = run_cli(root, "-c", "pyproject.toml", "heads")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: pyproject.toml: no 'script_location' key in [alembic] or "
        "[tool.alembic]; check the section name (-n) and the config file (-c)\n"
    )
