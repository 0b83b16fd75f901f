"""Choices the commands share, from the registries: a new platform appears in every command."""

from __future__ import annotations

import click

from ..domain.platforms import Platform

PLATFORM_NAMES = click.Choice([p.value for p in Platform])
