"""MIG003 (parameter_coverage kind): a new migration parameter that the
series leaves out of one of QEMU's hand-written parameter tables, judged on
the files as the series leaves them (base tree for the untouched ones)."""

from __future__ import annotations

import io
import json
import tempfile

from conftest import run_cli
from cprlint.check import run_check
from cprlint.options import CheckOptions
from gitrepo import commit, edit, format_patch, git

OPTIONS_C = """\
void migrate_params_init(MigrationParameters *params)
{
    params->has_max_bandwidth = true;
}

static void migrate_params_test_apply(MigrateSetParameters *params,
                                      MigrationParameters *dest)
{
    if (params->has_max_bandwidth) {
        dest->max_bandwidth = params->max_bandwidth;
    }
}

static void migrate_params_apply(MigrateSetParameters *params, Error **errp)
{
    if (params->has_max_bandwidth) {
        s->parameters.max_bandwidth = params->max_bandwidth;
    }
}

MigrationParameters *qmp_query_migrate_parameters(Error **errp)
{
    params->max_bandwidth = s->parameters.max_bandwidth;
    return params;
}
"""

HMP_C = """\
void hmp_info_migrate_parameters(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "%s: %" PRIu64 "\\n",
        MigrationParameter_str(MIGRATION_PARAMETER_MAX_BANDWIDTH), params->max_bandwidth);
}

void hmp_migrate_set_parameter(Monitor *mon, const QDict *qdict)
{
    switch (val) {
    case MIGRATION_PARAMETER_MAX_BANDWIDTH:
        p->has_max_bandwidth = true;
        break;
    default:
        g_assert_not_reached();
    }
}
"""

MIGRATION_C = """\
static void migration_instance_finalize(Object *obj)
{
    MigrationState *ms = MIGRATION_OBJ(obj);

    error_free(ms->error);
}
"""

SCHEMA = """\
{ 'struct': 'MigrationParameters',
  'data': { '*max-bandwidth': 'size' } }
"""


def _repo(tmp_path):
    root = tmp_path / "qemu"
    (root / "migration").mkdir(parents=True)
    (root / "qapi").mkdir()
    (root / "migration" / "options.c").write_text(OPTIONS_C)
    (root / "migration" / "migration-hmp-cmds.c").write_text(HMP_C)
    (root / "migration" / "migration.c").write_text(MIGRATION_C)
    (root / "qapi" / "migration.json").write_text(SCHEMA)
    git(root, "init", "-q", "-b", "master")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    return root


def _add_list_parameter(root, query=True, marked="    params->has_foo_argv = true;\n"):
    """A list parameter, handled in options.c and HMP, never freed; with
    ``query`` False, not named in qmp_query_migrate_parameters()."""
    edit(root, "qapi/migration.json", "'*max-bandwidth': 'size'",
         "'*max-bandwidth': 'size',\n            '*foo-argv': { 'type': [ 'str' ], 'features': [ 'unstable' ] }")
    edit(root, "migration/options.c", "    params->has_max_bandwidth = true;\n",
         "    params->has_max_bandwidth = true;\n" + marked)
    edit(root, "migration/options.c", "        dest->max_bandwidth = params->max_bandwidth;\n    }\n",
         "        dest->max_bandwidth = params->max_bandwidth;\n    }\n"
         "    if (params->has_foo_argv) {\n        dest->foo_argv = params->foo_argv;\n    }\n")
    edit(root, "migration/options.c",
         "        s->parameters.max_bandwidth = params->max_bandwidth;\n    }\n",
         "        s->parameters.max_bandwidth = params->max_bandwidth;\n    }\n"
         "    if (params->has_foo_argv) {\n"
         "        s->parameters.foo_argv = QAPI_CLONE(strList, params->foo_argv);\n    }\n")
    if query:
        edit(root, "migration/options.c", "    return params;",
             "    params->foo_argv = QAPI_CLONE(strList, s->parameters.foo_argv);\n"
             "    return params;")
    edit(root, "migration/migration-hmp-cmds.c", "    default:",
         "    case MIGRATION_PARAMETER_FOO_ARGV:\n        break;\n    default:")
    edit(root, "migration/migration-hmp-cmds.c", "params->max_bandwidth);\n",
         "params->max_bandwidth);\n    foo_print_argv(mon, params->foo_argv);\n")
    commit(root, "migration: foo-argv parameter")


def _check_with_base(root, tmp_path):
    """`cprlint check --source` of base..HEAD as an mbox, the tree at base."""
    mbox = format_patch(root, "base..HEAD", tmp_path / "s.mbox")
    git(root, "checkout", "-q", "base")
    return run_cli("check", "--format", "json", "--isolated", "--select", "MIG003",
                   "--source", str(root), str(mbox))


def test_with_the_base_tree_a_list_parameter_never_freed_is_reported(tmp_path):
    root = _repo(tmp_path)
    _add_list_parameter(root)
    proc = _check_with_base(root, tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr.decode()
    assert [(f["file"], f["function"]) for f in doc["findings"]] == [
        ("migration/options.c", "migrate_params_init")]
    msg = doc["findings"][0]["message"]
    assert "not freed in migration_instance_finalize() (a list)" in msg
    assert "applied in migrate_params_apply()" not in msg and "not checked" not in msg


def test_a_parameter_marked_present_in_the_has_fields_array_is_seen_too(tmp_path):
    # QEMU since Dec 2025 marks parameters present with one array of
    # &p->has_X entries instead of one "has_X = true" line each
    root = _repo(tmp_path)
    _add_list_parameter(root, marked="    bool *has_fields[] = { &params->has_foo_argv, };\n")
    proc = _check_with_base(root, tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr.decode()
    assert "not freed in migration_instance_finalize() (a list)" in doc["findings"][0]["message"]


def test_a_parameter_handled_everywhere_is_clean(tmp_path):
    root = _repo(tmp_path)
    _add_list_parameter(root)
    edit(root, "migration/migration.c", "    error_free(ms->error);",
         "    qapi_free_strList(ms->parameters.foo_argv);\n    error_free(ms->error);")
    commit(root, "migration: free foo-argv")
    proc = _check_with_base(root, tmp_path)
    assert proc.returncode == 0, proc.stdout.decode()


def test_a_query_that_names_members_one_by_one_must_name_the_new_one(tmp_path):
    root = _repo(tmp_path)
    _add_list_parameter(root, query=False)
    proc = _check_with_base(root, tmp_path)
    msg = json.loads(proc.stdout)["findings"][0]["message"]
    assert "reported by qmp_query_migrate_parameters()" in msg


def test_hunk_mode_says_the_tables_were_not_checked(tmp_path):
    root = _repo(tmp_path)
    _add_list_parameter(root)
    mbox = format_patch(root, "base..HEAD", tmp_path / "s.mbox")
    opts = CheckOptions(paths=["-"], isolated=True, select=["MIG003"],
                        cwd=tempfile.mkdtemp(prefix="cprlint-no-tree-"))
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(mbox.read_bytes()))
    assert findings == []
    assert [n for n in summary.notes if n.startswith("MIG003")] == [
        "MIG003, patch 1/1: migration/options.c:4: migration parameter foo_argv set "
        "here; whether it is handled in every parameter table (apply, query, HMP, "
        "finalize) was not checked (give --source DIR)"]


def test_a_query_that_clones_the_whole_parameter_struct_reports_every_member(tmp_path):
    root = _repo(tmp_path)
    edit(root, "migration/options.c", "    params->max_bandwidth = s->parameters.max_bandwidth;\n",
         "    params = QAPI_CLONE(MigrationParameters, &s->parameters);\n")
    edit(root, "migration/migration.c", "    error_free(ms->error);",
         "    qapi_free_strList(ms->parameters.foo_argv);\n    error_free(ms->error);")
    git(root, "commit", "-q", "-a", "-m", "base: the query clones the struct")
    git(root, "tag", "-f", "base")
    _add_list_parameter(root, query=False)
    proc = _check_with_base(root, tmp_path)
    assert proc.returncode == 0, proc.stdout.decode()
