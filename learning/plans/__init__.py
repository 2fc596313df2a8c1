"""Professional-subject plans (drafted, published, exported) and filings with the
provincial HR department (deadlines, the board, reminders)."""
