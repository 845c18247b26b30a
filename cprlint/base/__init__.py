"""The base tree a series applies to, and the series applied to it in memory.

tree.py   where base files come from (a directory, a git revision) + blob ids
git.py    the few git commands cprlint runs (fixed argv, no shell)
apply.py  apply one file's hunks to its text, like `patch`, in memory
replay.py apply a whole series in order; per patch and file: pre/post text
"""
