"""The public-subject platforms: the signed push API, file imports, reconciliation."""
