"""Alerts: asset-check state changes and failed publishing runs, delivered to a webhook.

`state` decides what deserves an alert (one per state change, not per tick), `message` turns an
alert into a Slack-compatible body with secrets scrubbed, `webhook` signs and delivers it, and
`feed` (the only module here that knows Dagster) reads what changed from the instance.
"""
