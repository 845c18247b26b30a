"""The parsed rule files are kept between runs (cprlint/rulecache.py): a
run with the cache sees exactly the rules a fresh parse gives, and an edit
to a rule file is seen by the next run."""

from __future__ import annotations

import shutil

from cprlint.engine import load_rules, rules_dir


def _as_data(rules):
    return [(r.id, r.title, r.severity, r.kind_name, r.message, r.rationale, r.invariant,
             r.references, r.params, [vars(e) for e in r.examples], r.default, r.words,
             r.scope) for r in rules]


def test_cached_rules_are_the_parsed_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fresh = load_rules()                                     # parses, writes the cache
    assert list((tmp_path / "cache" / "cprlint").glob("rules-*.marshal"))
    cached = load_rules()
    monkeypatch.setenv("CPRLINT_NO_CACHE", "1")
    assert _as_data(cached) == _as_data(fresh) == _as_data(load_rules())


def test_an_edited_rule_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    first = {r.id: r.title for r in load_rules(rules)}
    path = rules / "MIG001.toml"
    path.write_text(path.read_text().replace(f'title = "{first["MIG001"]}"',
                                             'title = "Edited title"', 1))
    assert {r.id: r.title for r in load_rules(rules)}["MIG001"] == "Edited title"
    (rules / "ERR006.toml").unlink()
    assert "ERR006" not in {r.id for r in load_rules(rules)}


def test_a_broken_or_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "cprlint").mkdir(parents=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    from cprlint.rulecache import _cache_file

    where = _cache_file("rules", sorted(rules_dir().glob("*.toml")))
    with open(where, "wb") as f:
        f.write(b"\x00not marshal data")
    expected = _as_data(load_rules())
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))      # no directory can be made there
    assert _as_data(load_rules()) == expected


def test_a_data_table_is_cached_and_read_again_when_edited(tmp_path, monkeypatch):
    from cprlint.rulecache import toml_table

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    table = tmp_path / "macros.toml"
    table.write_text('[attributes]\nwords = ["coroutine_fn"]\n')
    assert toml_table(table, "data-macros") == {"attributes": {"words": ["coroutine_fn"]}}
    assert list((tmp_path / "cache" / "cprlint").glob("data-macros-*.marshal"))
    assert toml_table(table, "data-macros") == {"attributes": {"words": ["coroutine_fn"]}}
    table.write_text('[attributes]\nwords = ["coroutine_fn", "coroutine_mixed_fn"]\n')
    assert toml_table(table, "data-macros")["attributes"]["words"] == [
        "coroutine_fn", "coroutine_mixed_fn"]


def test_a_file_saved_while_it_is_parsed_is_not_kept_under_its_new_stamp(tmp_path, monkeypatch):
    import os

    from cprlint.rulecache import tables

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    table = tmp_path / "t.toml"
    table.write_text("old")

    def parse_then_edit(p):
        text = p.read_text()
        p.write_text("new, longer")         # the editor saves during the parse
        os.utime(p, ns=(1, 1))
        return {"text": text}

    assert tables([table], parse_then_edit, "race") == ([{"text": "old"}], False, None)
    # the next run must see the new text, not the stale parse
    assert tables([table], lambda p: {"text": p.read_text()}, "race") == (
        [{"text": "new, longer"}], False, None)


def _cmt001(rules):
    return next(r for r in rules if r.id == "CMT001")


def test_kept_rules_compile_their_regexes_at_first_use_and_match_the_same(tmp_path, monkeypatch):
    from cprlint.lazyre import LazyPattern

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from cprlint.kinds import comment_prose

    fresh_kind = _cmt001(load_rules()).kind
    comment_prose._CACHE.clear()            # CMT001 compiles its cues once per process
    comment_prose._CACHE_BY_ID.clear()
    kept_kind = _cmt001(load_rules()).kind
    fresh, kept = fresh_kind.prose.counters, kept_kind.prose.counters
    name = next(iter(fresh))
    assert not isinstance(fresh[name][0], LazyPattern)
    assert isinstance(kept[name][0], LazyPattern)      # nothing compiled yet
    text = "we had to avoid a race here, so this keeps the lock held"
    for key in fresh:
        assert [bool(r.search(text)) for r in kept[key]] == [bool(r.search(text))
                                                              for r in fresh[key]]
        assert kept[key].any_search(text) == fresh[key].any_search(text)


def test_a_rule_file_with_a_bad_regex_is_refused_every_run_and_never_kept(tmp_path, monkeypatch):
    import pytest

    from cprlint.engine import RuleError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    path = rules / "SER003.toml"            # a trailers rule: RE2 patterns in [params]
    text = path.read_text()
    good = "list_addresses = ['^qemu-devel@nongnu\\.org$'"
    assert good in text
    # a look-behind: not linear-time RE2 syntax
    path.write_text(text.replace(good, "list_addresses = ['(?<=x)y'", 1))
    for _ in range(2):                      # the second run has no cache to lean on
        with pytest.raises(RuleError, match="SER003"):
            load_rules(rules)
    assert not list((tmp_path / "cache" / "cprlint").glob("rules-*.marshal"))


def test_two_rule_directories_keep_a_cache_each(tmp_path, monkeypatch):
    # a pre-commit environment and a development venv, used in turn
    from cprlint.rulecache import read

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    other = tmp_path / "rules"
    shutil.copytree(rules_dir(), other)
    load_rules()
    load_rules(other)
    assert read(sorted(rules_dir().glob("*.toml"))) is not None
    assert read(sorted(other.glob("*.toml"))) is not None
    assert len(list((tmp_path / "cache" / "cprlint").glob("rules-*.marshal"))) == 2


def test_a_bad_cue_of_a_lazily_compiled_rule_is_refused_before_it_is_cached(tmp_path, monkeypatch):
    # CMT001 compiles its cues when a comment is first judged; from a fresh
    # parse they are compiled (checked) at load, else a bad one would reach
    # the cache unchecked and fail mid-run on a later check
    import pytest

    from cprlint.engine import RuleError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    path = rules / "CMT001.toml"
    text = path.read_text()
    start = text.index("patterns = [", text.index("[params.families."))
    path.write_text(text[:start] + "patterns = ['we (?=bad)lookahead', " +
                    text[start + len("patterns = ["):])
    for _ in range(2):
        with pytest.raises(RuleError, match="CMT001"):
            load_rules(rules)
    assert not list((tmp_path / "cache" / "cprlint").glob("rules-*.marshal"))


def test_a_kept_table_is_read_again_when_cprlint_changes(tmp_path, monkeypatch):
    from cprlint import rulecache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paths = sorted(rules_dir().glob("*.toml"))
    load_rules()
    assert rulecache.read(paths) is not None
    monkeypatch.setattr(rulecache, "_CODE", rulecache._code_stamp() + (("kinds/new.py", 1, 2),))
    assert rulecache.read(paths) is None


def test_a_set_too_large_for_re2_asks_each_list_alone():
    from cprlint.kinds import WhichOf, param_regexes

    lists = {f"f{j}": param_regexes("t", "p", [f"x{j}_{i}[a-z]{{1,1000}}y" for i in range(2)],
                                    ignorecase=True)
             for j in range(12)}
    which = WhichOf(lists)
    assert which.matching("text x3_1abcy and X7_0QQy") == {"f3", "f7"}
    assert which.matching("nothing here") == set()


def test_a_message_placeholder_that_is_not_a_plain_name_is_refused_every_run(
        tmp_path, monkeypatch):
    # checked when the rule file is parsed (a kept rule was checked then)
    import pytest

    from cprlint.engine import RuleError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    path = rules / "ERR002.toml"
    text = path.read_text()
    assert "{function}()" in text
    path.write_text(text.replace("{function}()", "{function.__class__}()", 1))
    for _ in range(2):
        with pytest.raises(RuleError, match="ERR002.*not a plain name"):
            load_rules(rules)


def test_cached_rules_make_their_kind_at_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fresh = {r.id: r for r in load_rules()}
    cached = {r.id: r for r in load_rules()}
    rule = cached["VMS001"]
    assert rule.__dict__.get("_kind") is None and rule.scope == "series"   # not made yet
    assert rule.words == fresh["VMS001"].words
    assert type(rule.kind) is type(fresh["VMS001"].kind)                  # made now
    assert rule.kind is rule.kind


def test_a_cache_file_of_the_first_format_is_read_again(tmp_path, monkeypatch):
    import marshal

    from cprlint import rulecache
    from cprlint.paths import toml_files

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_rules()
    (kept,) = (tmp_path / "cache" / "cprlint").glob("rules-*.marshal")
    stamp, tables, derived = marshal.loads(kept.read_bytes())
    kept.write_bytes(marshal.dumps((stamp, tables)))          # a format-1 file: no derived data
    assert rulecache.read(toml_files(rules_dir())) is None
    rules = load_rules()                                      # parsed again, and kept again
    assert all(r.__dict__.get("_kind") is not None for r in rules)
    assert len(marshal.loads(kept.read_bytes())) == 3
