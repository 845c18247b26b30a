"""The Error-API and lifetime rules beyond their own examples: what hunk
mode says it could not check, a whole-file view, and rules that are off by
default."""

from __future__ import annotations

import io
import json

from conftest import run_cli
from cprlint.check import run_check
from cprlint.config import resolve
from cprlint.engine import load_rules
from cprlint.options import CheckOptions

MID_FUNCTION = """\
diff --git a/migration/foo.c b/migration/foo.c
index 1a2b3c4..5d6e7f8 100644
--- a/migration/foo.c
+++ b/migration/foo.c
@@ -170,3 +170,6 @@ bool foo_load_all(FooState *s, Error **errp)
     for (i = 0; i < s->n; i++) {
         foo_load_one(s, i, errp);
+        if (*errp) {
+            return false;
+        }
     }
"""

WHOLE = """\
bool foo_load_all(FooState *s, Error **errp)
{
    int i;

    for (i = 0; i < s->n; i++) {
        foo_load_one(s, i, errp);
        if (*errp) {
            return false;
        }
    }
    return true;
}
"""


def _check(tmp_path, text, *select):
    opts = CheckOptions(paths=["-"], isolated=True, select=list(select) or None,
                        cwd=str(tmp_path))
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(text.encode()))
    return findings, summary


def test_hunk_mode_says_errp_guard_was_not_checked(tmp_path):
    findings, summary = _check(tmp_path, MID_FUNCTION, "ERR002")
    assert findings == []
    assert any("ERR002" in n and "foo_load_all()" in n and "ERRP_GUARD()" in n
               and "not checked" in n for n in summary.notes)


def test_a_whole_file_shows_the_missing_guard(tmp_path):
    (tmp_path / "foo.c").write_text(WHOLE)
    r = run_cli("check", "--isolated", "--select", "ERR002", "--format", "json", "foo.c",
                cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    (f,) = json.loads(r.stdout)["findings"]
    assert (f["rule"], f["line"], f["function"]) == ("ERR002", 7, "foo_load_all")
    (tmp_path / "foo.c").write_text(WHOLE.replace("{\n    int i;", "{\n    ERRP_GUARD();\n    int i;"))
    r = run_cli("check", "--isolated", "--select", "ERR002", "foo.c", cwd=tmp_path)
    assert r.returncode == 0, r.stdout


def test_rules_off_by_default_run_only_when_named(tmp_path):
    known = ["ERR001", "ERR002", "MIG001"]
    base = dict(paths=["-"], isolated=True, cwd=str(tmp_path))
    assert resolve(CheckOptions(**base), known=known, off=["ERR001"]).select == \
        ["ERR002", "MIG001"]
    # a prefix selects the rules it covers, default-off ones too
    assert resolve(CheckOptions(select=["ERR"], **base), known=known,
                   off=["ERR001"]).select == ["ERR001", "ERR002"]
    assert resolve(CheckOptions(extend_select=["ERR001"], **base), known=known,
                   off=["ERR001"]).select == known
    assert resolve(CheckOptions(ignore=["MIG"], **base), known=known,
                   off=["ERR001"]).select == ["ERR002"]
    # nothing off: no selection at all (every rule)
    assert resolve(CheckOptions(**base), known=known, off=[]).select is None


def test_rule_files_say_whether_they_are_on_by_default(tmp_path):
    rules = {r.id: r for r in load_rules()}
    r = run_cli("rules")
    for line in r.stdout.decode().splitlines():
        rid = line.split()[0]
        assert ("off by default" in line) == (not rules[rid].default)
    from pathlib import Path

    first = Path(load_rules()[0].path)
    (tmp_path / first.name).write_text("default = 'no'\n" + first.read_text())
    import pytest
    from cprlint.engine import RuleError
    with pytest.raises(RuleError, match="default must be true or false"):
        load_rules(tmp_path)


def test_a_variables_regex_is_compiled_only_for_text_naming_it():
    import re

    from cprlint.kinds.lifetime import _expr_re, _last_name, _Needled

    assert [_last_name(e) for e in ("err", "s->local_err", "s -> f.err ")] == \
        ["err", "local_err", "err"]
    pattern = rf"(?<![\w.>&*]){_expr_re('s -> err')}\s*=(?!=)"
    rx = _Needled("err", pattern)
    assert rx.search("return false;") is None and rx.rx is None     # not compiled
    texts = ["s->err = NULL;", "s -> err == NULL", "x->s->err = e;", "g_free(err);",
             "s->error = 1;", "&s->err"]
    assert [bool(rx.search(t)) for t in texts] == \
        [bool(re.search(pattern, t)) for t in texts] == [True, False, False, False, False, False]
