"""The HTTP API for teams (`/api/v1`): posts, accounts, approvals, webhooks and the audit log
of one workspace per key. It writes only the app database; the Dagster pipeline stays the only
thing that publishes."""
