"""Prometheus metrics of publishing, read from the app database and Redis on each scrape."""

from .collector import SocialschedCollector
from .exporter import ExporterConfig, build_collector, start_exporter

__all__ = ["ExporterConfig", "SocialschedCollector", "build_collector", "start_exporter"]
