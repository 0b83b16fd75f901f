"""Choices the commands share, from the registries: a new platform appears in every command."""

from __future__ import annotations

import click

from ..domain.platforms import Platform

PLATFORM_NAMES = click.Choice([p.value for p in Platform])


# Static on purpose (building it from the specs would import every platform's client on each
# command's start), and so general that a new platform needs no edit here: the README's
# platform table says which id each platform wants.
EXTERNAL_ID_HELP = (
    "the platform's own id of the account (a user, page or channel id, a DID, an author URN: "
    "see the README's platform table)"
)
