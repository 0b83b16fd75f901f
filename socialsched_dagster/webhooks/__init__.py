"""Event webhooks: what a workspace is told (published, failed, missed, held, approved,
rejected), signed like the alerts, delivered with retries, logged and replayable."""
