"""The yearly quality online public-course selection."""
