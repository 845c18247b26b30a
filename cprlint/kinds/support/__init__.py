"""Helpers the kinds share (call patterns, condition text, call graph); no kinds."""
