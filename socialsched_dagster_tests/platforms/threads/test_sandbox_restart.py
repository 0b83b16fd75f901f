"""The Threads sandbox keeps its containers and its publishing window across a restart, so a
lost answer is still settled by the container after the platform "comes back"."""

from __future__ import annotations

from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.threads import ThreadsClient
from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import job, text


def test_containers_and_the_window_survive_a_restart(tmp_path):
    with SandboxProcess(state_file=tmp_path / "state.jsonl") as sb:
        config = PlatformConfig.for_sandbox(sb.base_url, container_poll_interval_s=0.1)
        with ThreadsClient(config, Unguarded()) as th:
            sent = job(sb, text("before the restart"), target_id=1)
            sent_container = th.prepare(sent)
            post_id = th.publish(sent, sent_container)
            waiting = job(sb, text("waiting"), target_id=2)
            waiting_container = th.prepare(waiting)
            sb.restart(hard=True)
            result = th.reconcile(sent, sent_container)
            assert result.state is Reconciled.PUBLISHED and result.external_id == post_id
            assert th.publish(sent, sent_container) == post_id  # not a second post
            assert th.reconcile(waiting, waiting_container).state is Reconciled.NOT_PUBLISHED
            th.publish(waiting, waiting_container)
            assert th.publishing_limit(waiting).usage == 2
        assert [e["target"] for e in sb.control.ledger()] == ["1", "2"]
