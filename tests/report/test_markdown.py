"""``check --format markdown``: status, the fork drawn small, the heads, the fix; inert text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support import md
from support.branches import advance_main, branch_with, published_project
from support.repo import add_revision, commit_all, git, revision_source, run_cli

from alembic_git.report.markdown_text import ZWJ, code, escape, fence, mono, table

HOSTILE = (
    "@everyone <img src=x onerror=alert(1)> ```` fence ~~~ `x` | #1 $a$ [l](javascript:x) **b**"
)


def test_a_clean_check_is_one_short_line(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    result = run_cli(project, "check", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "✅ <code>alembic.ini</code>: one head (<code>aaa111</code>).\n"


def test_a_fork_is_drawn_tabled_and_fixed(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "add invoices")
    add_revision(project, "ccc333", "aaa111", "add comments")
    result = run_cli(project, "check", "--format", "markdown")
    assert result.returncode == 1
    out = result.stdout
    assert out.startswith("### ❌ Multiple Alembic heads · <code>alembic.ini</code>\n\n")
    assert (
        "**2 heads**: `alembic upgrade head` fails with *Multiple head revisions are "
        "present*. They fork from <code>aaa111</code> (first)." in out
    )
    assert md.mermaid_nodes(out) == {"r_aaa111", "r_bbb222", "r_ccc333"}
    [rows] = md.tables(out)
    assert rows == [
        ["Head", "Message", "File"],
        [
            "<code>bbb222</code>",
            "add invoices",
            "<code>migrations/versions/bbb222\\_add\\_invoices.py:15</code>",
        ],
        [
            "<code>ccc333</code>",
            "add comments",
            "<code>migrations/versions/ccc333\\_add\\_comments.py:15</code>",
        ],
    ]
    _, fenced = md.blocks(out)
    assert ("sh", "alembic-git merge-heads") in fenced


def test_against_names_the_side_and_commit_of_each_head(tmp_path: Path) -> None:
    repo = published_project(tmp_path)
    ours = branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    theirs = advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    result = run_cli(repo, "check", "--against", "--format", "markdown")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Merging <code>feature</code> into <code>origin/main</code> gives **2 heads**" in out
    [rows] = md.tables(out)
    assert rows[0] == ["Head", "Message", "File", "Introduced in", "Side"]
    sides = {r[0]: (r[3], r[4]) for r in rows[1:]}
    assert sides == {
        "<code>b3b3b3b3b3b3</code>": (theirs[:10], "<code>origin/main</code>"),
        "<code>f1f1f1f1f1f1</code>": (ours[:10], "this branch"),
    }
    assert ("sh", "git merge origin/main && alembic-git merge-heads") in md.blocks(out)[1]
    # Once merged and fixed, the same check is a short green line.
    git(repo, "merge", "-q", "--no-edit", "origin/main")
    add_revision(repo, "c4c4c4c4c4c4", ("b3b3b3b3b3b3", "f1f1f1f1f1f1"), "merge heads")
    commit_all(repo, "merge heads")
    again = run_cli(repo, "check", "--against", "--format", "markdown")
    assert again.returncode == 0, again.stdout
    assert again.stdout == (
        "✅ <code>alembic.ini</code>: merging <code>feature</code> into <code>origin/main</code> "
        "keeps one head (<code>c4c4c4c4c4c4</code>).\n"
    )


def test_hostile_messages_and_branch_names_stay_inert(tmp_path: Path) -> None:
    repo = published_project(tmp_path)
    branch = "feat|`x`@everyone<b>"
    git(repo, "checkout", "-q", "-b", branch)
    add_revision(repo, "f1f1f1f1f1f1", "a2a2a2a2a2a2", "safe")
    path = repo / "migrations/versions/f1f1f1f1f1f1_safe.py"
    path.write_text(revision_source("f1f1f1f1f1f1", "a2a2a2a2a2a2", HOSTILE + "\n````\nline 2"))
    commit_all(repo, "hostile")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", branch)
    result = run_cli(repo, "check", "--against", "--format", "markdown")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert md.stray_html(out) == []
    assert md.pings(out) == []
    assert "<img" not in out and "<b>" not in out
    # Every row still has its five cells: neither | nor a backtick broke one.
    [rows] = md.tables(out)
    assert {len(r) for r in rows} == {5}
    row = next(r for r in rows if "f1f1f1f1f1f1" in r[0])
    assert row[1].startswith(f"@{ZWJ}everyone &lt;img src=x onerror=alert(1)&gt; \\`\\`\\`\\`")
    # The fences hold: the fix block is exactly the command, the drawing only Mermaid.
    _, fenced = md.blocks(out)
    assert [info for info, _ in fenced] == ["mermaid", "sh"]
    assert "everyone" not in fenced[0][1].replace(" at everyone", "")
    assert f"merging <code>feat|\\`x\\`@{ZWJ}everyone&lt;b&gt;</code>" in out.lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone", f"@{ZWJ}everyone"),
        ("@org/team", f"@{ZWJ}org/team"),
        ("fixes #12", f"fixes #{ZWJ}12"),
        ("&#64;everyone", f"&amp;#{ZWJ}64;everyone"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ("<!-- alembic-git:env=x -->", "&lt;!-- alembic-git:env=x --&gt;"),
        ("`code` *em* _em_ [a](b) ~~s~~", "\\`code\\` \\*em\\* \\_em\\_ \\[a\\](b) \\~\\~s\\~\\~"),
        ("$x$", "&#36;x&#36;"),
        ("two\nlines\u202eevil\u200b", "two linesevil"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_fence_outgrows_any_backtick_run_and_cells_keep_pipes() -> None:
    assert fence("a ``` b `````` c", "sh") == "```````sh\na ``` b `````` c\n```````"
    assert code("alembic upgrade x@head") == "`alembic upgrade x@head`"
    assert code("`a`` b\nc") == "``` `a`` b c ```"
    assert fence("plain") == "```\nplain\n```"
    text = table(["A", "B"], [[mono("x|y\\|z"), escape("p|q")]])
    [rows] = md.tables(text)
    assert rows == [["A", "B"], ["<code>x\\|y\\\\\\|z</code>", "p\\|q"]]
    assert len(escape("x" * 500, 120)) == 120


@pytest.mark.slow
def test_a_5000_revision_history_draws_only_the_fork(tmp_path: Path) -> None:
    repo = published_project(tmp_path)
    versions = repo / "migrations/versions"
    ids = [f"{i:04d}aa{i:06d}" for i in range(5000)]

    def write(revs: range) -> None:
        for i in revs:
            down = ids[i - 1] if i else "a2a2a2a2a2a2"
            (versions / f"{ids[i]}_step.py").write_text(revision_source(ids[i], down, f"step {i}"))

    write(range(4001))
    commit_all(repo, "4001 revisions")
    git(repo, "branch", "feature")  # the branch forks at revision 4000 ...
    write(range(4001, 5000))  # ... and main goes on for 999 more
    commit_all(repo, "999 more")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "feature")
    add_revision(repo, "x1", ids[4000], "feature x1")
    add_revision(repo, "x2", "x1", "feature x2")
    add_revision(repo, "x3", "x2", "feature x3")
    commit_all(repo, "feature")
    start = time.monotonic()
    result = run_cli(repo, "check", "--against", "--format", "markdown")
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result.stderr
    drawn = md.mermaid_nodes(result.stdout)
    # Both heads, four revisions at each end of main's run, the fork and two below it.
    assert len(drawn) == 3 + 8 + 3, sorted(drawn)
    assert {"r_x1", "r_x2", "r_x3", f"r_{ids[4000]}", f"r_{ids[4999]}", f"r_{ids[4001]}"} <= drawn
    assert "… 991 more revisions" in result.stdout
    assert len(result.stdout) < 10_000
    assert elapsed < 30


def test_a_huge_report_stays_under_the_comment_limit(project: Path) -> None:
    add_revision(project, "base0000", None, "base")
    for i in range(300):
        add_revision(project, f"h{i:04d}", "base0000", f"head {i} " + "<x>|`" * 400)
    result = run_cli(project, "check", "--format", "markdown")
    assert result.returncode == 1
    out = result.stdout
    assert len(out.encode()) < 65_536
    assert "more heads, not shown: the comment is full." in out
    assert md.stray_html(out) == []
    md.blocks(out)  # every fence closed
