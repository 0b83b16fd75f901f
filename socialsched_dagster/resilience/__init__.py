"""Rate limits, circuit breakers and retry timing shared by every publishing run (via Redis)."""

from .breaker import BreakerSettings, BreakerStatus
from .guard import ResilientGuard
from .limits_config import PlatformBudget, RateLimits

__all__ = ["BreakerSettings", "BreakerStatus", "PlatformBudget", "RateLimits", "ResilientGuard"]
