"""MIG005 (blocking_wait kind): a sleeping loop on a main-loop path, and what
hunk mode says when it cannot see the callers."""

from __future__ import annotations

import io
import tempfile

from conftest import check_text
from cprlint.check import run_check
from cprlint.options import CheckOptions

# a helper that polls for a socket file, and (in another hunk) the CPR entry
# point that calls it: the two hunks are separate views
TWO_HUNKS = """\
diff --git a/migration/foo-transfer.c b/migration/foo-transfer.c
index 1a2b3c4..5d6e7f8 100644
--- a/migration/foo-transfer.c
+++ b/migration/foo-transfer.c
@@ -17,2 +17,14 @@
 #include "trace.h"
 
+static bool foo_socket_ready(const char *path)
+{
+    struct stat st;
+
+    for (int i = 0; i < 50; i++) {
+        if (!stat(path, &st) && S_ISSOCK(st.st_mode)) {
+            return true;
+        }
+        g_usleep(100 * 1000);
+    }
+    return false;
+}
@@ -40,3 +51,6 @@ QEMUFile *cpr_transfer_output(MigrationChannel *channel, Error **errp)
         SocketAddress *saddr = &addr->u.socket;
 
+        if (!foo_socket_ready(saddr->u.q_unix.path)) {
+            return NULL;
+        }
         sioc = qio_channel_socket_new();
"""


def test_hunk_mode_notes_a_sleeping_loop_whose_callers_it_cannot_see():
    opts = CheckOptions(paths=["-"], isolated=True, select=["MIG005"],
                        cwd=tempfile.mkdtemp(prefix="cprlint-no-tree-"))
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(TWO_HUNKS.encode()))
    assert findings == []
    assert [n for n in summary.notes if n.startswith("MIG005")] == [
        "MIG005, patch 1/1: migration/foo-transfer.c:27: foo_socket_ready() calls "
        "g_usleep(100 * 1000) inside a loop; its callers are not in view, so whether "
        "it runs in the main loop was not checked (give --source DIR)"]


def test_the_same_loop_in_one_view_with_its_cpr_caller_is_a_finding():
    one_hunk = """\
diff --git a/migration/foo-transfer.c b/migration/foo-transfer.c
new file mode 100644
index 0000000..5d6e7f8
--- /dev/null
+++ b/migration/foo-transfer.c
@@ -0,0 +1,17 @@
+static bool foo_socket_ready(const char *path)
+{
+    struct stat st;
+
+    while (stat(path, &st) < 0) {
+        g_usleep(100 * 1000);
+    }
+    return true;
+}
+
+QEMUFile *cpr_transfer_output(MigrationChannel *channel, Error **errp)
+{
+    if (!foo_socket_ready(channel->path)) {
+        return NULL;
+    }
+    return foo_open(channel, errp);
+}
"""
    found = check_text(one_hunk, select=["MIG005"])
    assert [(f.rule, f.line, f.function) for f in found] == [
        ("MIG005", 6, "foo_socket_ready")]
    assert "polling stat(path, &st)" in found[0].message
    assert "(cpr_transfer_output() -> foo_socket_ready())" in found[0].message
