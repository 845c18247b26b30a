"""Full mode derives a series' whole files patch by patch: the facts of
each file version when the rules first ask (in the order of the steps,
whoever asks), and the parse tree the facts came from is the parse the
rules of that patch walk, so no file version is parsed twice."""

from __future__ import annotations

from conftest import SERIES
from gitrepo import MIGRATION_C, TREE, commit, edit, format_patch, make_repo

from cprlint.check import run_check
from cprlint.options import CheckOptions

V1 = str(SERIES / "cpr-stop-v1.mbox")


def _job(mbox: str, source):
    from cprlint.sources import load_job

    return load_job(CheckOptions(paths=[mbox], source=str(source)))


def _steps_of(job):
    from cprlint.base.replay import replay_series

    return replay_series(job.series, job.series.base_read.__self__).steps


def test_facts_asked_out_of_order_are_those_derived_in_order():
    from cprlint.code.model import HunkViews
    from cprlint.code.whole import forget_versions, whole_view

    def step_views(step):       # each version made and derived at once
        k, fd, ap = step.patch_index, step.fd, step.applied
        pre = whole_view(fd.old_path or fd.path, step.pre.text(), "pre",
                         frozenset(ap.pre_changed), dict(ap.pre_inputs), k)
        post = whole_view(fd.path, ap.post.text(), "post", frozenset(ap.post_changed),
                          dict(ap.post_inputs), k)
        return HunkViews(patch_index=k, file_path=fd.path, hunk_index=-1, post=post, pre=pre)

    job = _job(V1, TREE)
    views = [hv for hv in job.views if hv.post.whole_file]
    assert views and all(hv.post.facts_deferred for hv in views)
    last = views[-1].post.facts             # asked first: every step before it is derived
    assert not any(v.facts_deferred for hv in views for v in (hv.pre, hv.post) if v.text)
    eager = [step_views(s) for s in _steps_of(job)]
    forget_versions()
    assert last == eager[-1].post.facts
    for lazy, made in zip(views, eager):
        for a, b in ((lazy.pre, made.pre), (lazy.post, made.post)):
            assert (a.text, a.facts, a.outline) == (b.text, b.facts, b.outline), a.path


def test_each_file_version_is_parsed_once_for_its_facts_and_its_rules(monkeypatch):
    # the rules of a patch walk the tree its views' facts were derived
    # from: code.parsed parses no whole file of the series again
    from cprlint.code import parsed

    made = []
    real = parsed.parse_whole

    def counted(text, previous=None):
        made.append(len(text))
        return real(text, previous)

    monkeypatch.setattr(parsed, "parse_whole", counted)
    findings, summary, _ = run_check(CheckOptions(paths=[V1], source=str(TREE)))
    assert summary.mode == "full"
    assert "MIG001" in {f.rule for f in findings}
    assert made == []


def test_a_file_ending_in_a_directive_parses_without_error_as_its_facts(tmp_path):
    # the whole file is parsed with its final newline, as its facts are:
    # a last "#include" is not cut short into a syntax error
    from cprlint.code.parsed import parsed

    repo = make_repo(tmp_path / "qemu")
    (repo / "migration" / "trace.h").write_text('#include "trace/trace-migration.h"\n')
    from gitrepo import git

    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "trace header")
    git(repo, "tag", "-f", "base2")
    edit(repo, "migration/trace.h", '#include "trace/trace-migration.h"\n',
         '/* SPDX-License-Identifier: GPL-2.0-or-later */\n#include "trace/trace-migration.h"\n')
    edit(repo, MIGRATION_C, "static MigrationState", "/* the state */\nstatic MigrationState")
    commit(repo, "migration: licence of the trace header")
    mbox = format_patch(repo, "base2..HEAD", tmp_path / "trace.mbox")
    from cprlint.code.whole import ready

    for through_ready in (False, True):     # the facts' parse, or one made when asked
        job = _job(str(mbox), repo)
        [hv] = [hv for hv in job.views if hv.file_path == "migration/trace.h"]
        if through_ready:
            ready([hv])
            assert "_parsed" in hv.post.__dict__
        for view in (hv.pre, hv.post):
            assert view.facts.error_count == 0
            assert not parsed(view).pf.tree.root_node.has_error, view.side


def test_only_the_patch_being_checked_holds_parse_trees():
    from cprlint.code.whole import ready

    job = _job(V1, TREE)
    by_patch = {}
    for hv in job.views:
        by_patch.setdefault(hv.patch_index, []).append(hv)
    first, *rest = sorted(by_patch)
    ready(by_patch[first])
    assert all("_parsed" in v.__dict__ for hv in by_patch[first] for v in (hv.pre, hv.post)
               if v.text)
    for k in rest:                          # derived if asked, but without a tree
        for hv in by_patch[k]:
            hv.post.facts
            assert "_parsed" not in hv.post.__dict__


def test_the_progress_bar_of_a_series_on_its_base_is_erased_before_the_report(tmp_path):
    # the files are parsed as the rules reach each patch: the bar counts
    # them and is gone before the report is written
    from conftest import run_cli

    proc = run_cli("check", "--progress", "--format", "json", V1, "--source", str(TREE))
    assert proc.returncode == 1, proc.stderr[-300:]
    err = proc.stderr.decode()
    assert "parsing" in err and err.endswith("\r")
    import json

    assert json.loads(proc.stdout)["summary"]["mode"] == "full"


def _series(tmp_path, change):
    """A one-commit series on the fixture tree, made by ``change(repo)``."""
    repo = make_repo(tmp_path / "qemu")
    change(repo)
    commit(repo, "migration: a change")
    return str(format_patch(repo, "base..HEAD", tmp_path / "s.mbox")), repo


def test_a_job_is_let_go_after_its_run():
    # the views and the steps that derive them point at each other until
    # the run is over: then nothing of the job outlives it
    import gc
    import weakref

    from cprlint.engine import load_rules, run_rules

    job = _job(V1, TREE)
    steps = next(hv.post.__dict__["_steps"][0] for hv in job.views if hv.post.text)
    gone = weakref.ref(steps)
    steps = None
    findings = run_rules(load_rules(), job.series, job.views)
    assert findings and not any("_steps" in v.__dict__ for hv in job.views
                                for v in (hv.pre, hv.post))
    job = None
    gc.collect()
    assert gone() is None


def test_the_bar_is_erased_when_the_last_patch_adds_an_empty_file(tmp_path):
    from conftest import run_cli

    def change(repo):
        edit(repo, MIGRATION_C, "static MigrationState", "/* the state */\nstatic MigrationState")
        (repo / "migration" / "empty.c").write_text("")
        from gitrepo import git

        git(repo, "add", "-A")

    mbox, _repo = _series(tmp_path, change)
    proc = run_cli("check", "--progress", mbox, "--source", str(TREE))
    assert proc.returncode in (0, 1), proc.stderr[-300:]
    assert proc.stderr.endswith(b"\r") and b"parsing" in proc.stderr


def test_a_version_with_a_syntax_error_next_to_a_change_is_parsed_afresh_for_the_rules(
        tmp_path, monkeypatch):
    # the facts' parse is handed to the rules only where it is the parse
    # from nothing; next to a syntax error the patch makes, the view's
    # parse is made from nothing, as it always was
    from cprlint.code.fragments import parse_whole
    from cprlint.code.parsed import _whole_bytes, parsed
    from cprlint.code.whole import ready

    def change(repo):
        edit(repo, MIGRATION_C, "static MigrationState", "}\nstatic MigrationState")

    mbox, _repo = _series(tmp_path, change)
    job = _job(mbox, TREE)
    assert job.mode == "full"
    [hv] = [hv for hv in job.views if hv.file_path == MIGRATION_C]
    from cprlint.code import whole

    fresh = []
    real = whole.parse_whole

    def spy(text, previous=None):
        fresh.append(previous)
        out = real(text, previous)
        fresh.append(out)
        return out

    monkeypatch.setattr(whole, "parse_whole", spy)
    ready([hv])
    assert fresh[0] is None and len(fresh) == 2      # once, from nothing
    assert parsed(hv.post).pf is fresh[1]
    from test_incremental import _every_node

    got = parsed(hv.post).pf.tree
    assert got.root_node.has_error
    assert _every_node(got) == _every_node(parse_whole(_whole_bytes(hv.post)).tree)
    # (the facts' own parse of that version, from the one before, is not it)
    from cprlint.code.incremental import FileFacts

    facts = FileFacts()
    facts.version(MIGRATION_C, hv.pre.text + "\n")
    told = facts.version(MIGRATION_C, hv.post.text + "\n")
    assert not told.clean
