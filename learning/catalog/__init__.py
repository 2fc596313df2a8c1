"""The course catalog and online study: topics, courses, lessons, the quiz, enrolments,
the study clock, the catalog cache, course editing, suggestions."""
