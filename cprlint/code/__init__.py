"""Step 2: C as the rules see it: hunk views, masked parse, facts."""
