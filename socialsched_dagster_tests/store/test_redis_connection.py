import pytest

from socialsched_dagster.store.redis_connection import EmbeddedRedis, connect, probe


def test_embedded_redis_is_a_real_server_shared_by_url(tmp_path):
    embedded = EmbeddedRedis(tmp_path / "redis.db")
    try:
        writer, reader = connect(embedded.url), connect(embedded.url)
        writer.set("greeting", "hello", ex=60)
        assert reader.get("greeting") == b"hello"
        health = probe(reader)
        assert health.reachable and health.latency_ms is not None
    finally:
        embedded.close()
    assert probe(connect(embedded.url, timeout_s=0.5)).reachable is False


def test_the_real_server_answers(redis_url):
    client = connect(redis_url)
    assert probe(client).reachable


def test_an_unreachable_redis_is_reported_not_raised():
    health = probe(connect("redis://127.0.0.1:1/0", timeout_s=0.3))
    assert not health.reachable and "Connection" in health.error


@pytest.fixture
def redis_url(request):
    return request.getfixturevalue("real_or_embedded_redis_url")
