"""Dashboard logic that needs no database: metric definitions, rules and figures."""
