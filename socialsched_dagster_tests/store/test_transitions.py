"""Every status change of a target goes through the domain's state machine."""

import ast
from pathlib import Path

import pytest

from socialsched_dagster.domain.states import IllegalTransition, TargetStatus
from socialsched_dagster.store.transitions import move

S = TargetStatus
PACKAGE = Path(__file__).resolve().parents[2] / "socialsched_dagster"


def test_a_move_the_state_machine_forbids_is_refused_before_any_sql():
    with pytest.raises(IllegalTransition, match="'published' to 'scheduled'"):
        move(S.SCHEDULED, from_=[S.FAILED, S.PUBLISHED])
    with pytest.raises(ValueError):
        move(S.SCHEDULED, from_=[])


def test_a_move_only_touches_rows_in_its_source_statuses():
    sql = str(move(S.MISSED, from_=[S.SCHEDULED]).compile())
    assert "post_targets.status IN" in sql


def _status_writes_outside_move(path: Path) -> list[str]:
    """`update(PostTarget)` statements that set `status`, or ORM writes of `.status` on a
    target, anywhere but store/transitions.py."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "values":
            chain = ast.unparse(func.value)
            if "update(PostTarget)" in chain and any(k.arg == "status" for k in node.keywords):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_store_or_publishing_code_writes_a_target_status_bypassing_move():
    offenders = []
    for folder in ("store", "publishing", "operations", "cli", "pipeline", "tokens"):
        for path in (PACKAGE / folder).rglob("*.py"):
            if path.name != "transitions.py":
                offenders += _status_writes_outside_move(path)
    assert offenders == []
