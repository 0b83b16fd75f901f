"""Choices the commands share, from the registries: a new platform appears in every command."""

from __future__ import annotations

import click

from ..domain.platforms import Platform

PLATFORM_NAMES = click.Choice([p.value for p in Platform])


# Static on purpose: building it from the specs would import every platform's client on each
# command's start. The README's platform table says which id each platform wants.
EXTERNAL_ID_HELP = (
    "the platform's id of the account: ig-user-id, page id, channel id, the account id on its "
    "Mastodon instance, Threads user id, Bluesky DID"
)
