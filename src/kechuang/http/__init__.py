"""The HTTP kit below the feature routers: problems, pagination, security, templating, the
refusal map and the step adapter. Features import it; it imports no feature."""
