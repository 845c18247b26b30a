"""Kind ``input_repair``: damage to a patch mail that cprlint undid while
reading it (mail-client line wraps, CRLF line ends).  ``git am`` would
reject the mail as it is, so the author should resend it."""

from __future__ import annotations

from ..findings import Candidate
from . import Kind


class InputRepair(Kind):
    name = "input_repair"
    scope = "series"
    params_spec = {"damage": (str, True)}   # "wrap" or "crlf"

    def check_series(self, series, views):
        damage = self.params["damage"]
        for k, patch in enumerate(series.patches):
            if damage == "wrap" and patch.repairs:
                lines = sorted({r.input_line for r in patch.repairs})
                first = min(patch.repairs, key=lambda r: r.joined_to)
                path, line, function = _locate(patch, first.joined_to)
                shown = ", ".join(str(n) for n in lines[:12]) + (" ..." if len(lines) > 12 else "")
                yield Candidate(
                    path=path or patch.input_path, line=line or first.input_line,
                    function=function, key=(k, "wrap"), patch_index=k,
                    input_line=first.joined_to,
                    fields={"count": str(len(lines)), "input_lines": shown,
                            "input_path": patch.input_path},
                )
            elif damage == "crlf" and getattr(patch, "crlf_repaired", False):
                yield Candidate(
                    path=patch.input_path, line=patch.input_line, function="",
                    key=(k, "crlf"), patch_index=k, input_line=patch.input_line,
                    fields={"input_path": patch.input_path},
                )


def _locate(patch, input_line):
    """(file path, file line, function) of the diff line at ``input_line``."""
    for fd in patch.files:
        for hunk in fd.hunks:
            for hl in hunk.lines:
                if hl.input_line == input_line:
                    line = hl.new_no if hl.new_no is not None else hl.old_no
                    return fd.path, line, hunk.function_hint
    return "", None, ""
