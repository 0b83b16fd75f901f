"""CacheResource: built from the shared RedisResource, one cache per process, usable in assets."""

from __future__ import annotations

from dagster import asset, materialize

from socialsched_dagster.pipeline.resources.cache import CacheResource
from socialsched_dagster.pipeline.resources.redis import RedisResource


def test_the_resource_hands_out_one_cache_per_process(redis_url, ns):
    first = CacheResource(redis=RedisResource(url=redis_url), namespace=ns, default_ttl_s=30)
    again = CacheResource(redis=RedisResource(url=redis_url), namespace=ns, default_ttl_s=30)
    assert first.cache() is again.cache()
    assert first.cache().default_ttl_s == 30 and first.cache().namespace == ns
    other = CacheResource(redis=RedisResource(url=redis_url), namespace=f"{ns}:x")
    assert other.cache() is not first.cache()


def test_an_asset_uses_the_cache_through_the_resource(redis_url, ns):
    loads = []

    @asset
    def warmed(cache: CacheResource) -> int:
        values = [cache.cache().get_or_set("k", lambda: loads.append(1) or 41) for _ in range(3)]
        return sum(values)

    resource = CacheResource(redis=RedisResource(url=redis_url), namespace=ns)
    result = materialize([warmed], resources={"cache": resource})
    assert result.success and result.output_for_node("warmed") == 123
    assert len(loads) == 1
    assert resource.cache().stats()["hits"] == 2
