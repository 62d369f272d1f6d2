"""近重复预警 near-repeat warnings: a zone around a new incident of a category with a significant near-repeat
pattern, valid for the pattern's days, with a 走访提醒 for the households in it (issue 21; see service.py)."""
