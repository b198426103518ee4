"""Accounts, roles, sessions, login throttling and the audit log of every state change."""
