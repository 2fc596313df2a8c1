"""Offline training sessions: attendance ticked or uploaded, hours posted on closing."""
