"""Beat planning: draft plans, beat edits, live area stats, rule checks, diff, publish and proposals."""
