"""Routers of the web app: one module per feature (pages and their JSON API)."""
