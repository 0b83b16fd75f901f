"""Reports over the app database and the platforms: pandas only, no Dagster, so the CLI, a
notebook and the Dagster assets (pipeline/assets/reports.py) build the same tables."""
