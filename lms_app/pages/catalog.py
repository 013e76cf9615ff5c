"""The catalog, a course's page with enrollment, and My learning."""
