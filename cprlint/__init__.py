"""cprlint: a patch-review linter for QEMU migration and CPR code.

The flow is one-way and each sub-package is one step of it:

    inputs/   bytes (mbox, .gz, stdin, quoted reply) -> Series
    code/     Series -> hunk views of C code -> facts (tree-sitter)
    kinds/    rule kinds: turn facts into candidate findings
    engine.py loads rules/*.toml, runs kinds, keeps what the patch introduces
    report/   findings -> text, json, ...
"""

__version__ = "0.1.0"
