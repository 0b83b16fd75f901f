"""The ceiling's platform calls: for each platform, the requests its client sends to publish one
post, made with nothing around them (no database, guard, fence or retry).

Each module of this package speaks one family of platforms and registers one async function per
platform with `@speaks(Platform.X)`; `speaker(platform)` finds it. The modules are found by
listing this package, so a platform joins the ceiling by a module here (or a function in its
family's), and a platform nobody registered fails before anything is sent, by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from functools import cache

from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from .caller import Caller, Failed

Speak = Callable[[Caller, PublishJob], Awaitable[None]]
_SPEAKERS: dict[Platform, Speak] = {}

__all__ = ["Caller", "Failed", "Speak", "speaker", "speaks"]


def speaks(platform: Platform) -> Callable[[Speak], Speak]:
    def register(fn: Speak) -> Speak:
        if platform in _SPEAKERS:
            raise RuntimeError(f"two ceiling speakers for {platform.value}")
        _SPEAKERS[platform] = fn
        return fn

    return register


@cache
def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "caller":
            importlib.import_module(f"{__name__}.{module.name}")


def speaker(platform: Platform) -> Speak:
    """The function that publishes one target of `platform`; NotImplementedError, naming the
    platform, when the ceiling does not speak it."""
    _load_all()
    found = _SPEAKERS.get(platform)
    if found is None:
        raise NotImplementedError(
            f"the ceiling does not speak {platform.value}'s publishing calls: add an async "
            f"function registered with @speaks(Platform.{platform.name}) to "
            f"{__name__.replace('.', '/')}/"
        )
    return found
