"""Workspaces, roles, API keys, approvals and the audit log: who may do what to which data."""
