"""A tiny code location for the alerts tests: an asset whose check result the test sets, jobs
that fail, and the real `check_alerts_sensor`, evaluated tick after tick like the daemon does."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetSelection,
    Definitions,
    asset,
    asset_check,
    build_sensor_context,
    define_asset_job,
    job,
    op,
)

from socialsched_dagster.pipeline.sensors.check_alerts import build_check_alerts_sensor

TOKEN = "sbx1.tokenpart0123.secretpart4567"
CHECK = {"passed": True, "during": None}  # `during`: called while the check executes


@asset
def thing() -> int:
    return 1


@asset_check(asset=thing, description="The thing is healthy.")
def thing_is_healthy() -> AssetCheckResult:
    if CHECK["during"]:
        CHECK["during"]()
    passed = CHECK["passed"]
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=None if passed else f"thing broke while using {TOKEN}",
        metadata={"broken_things": 0 if passed else 3},
    )


@op
def explode():
    raise RuntimeError(f"platform said no (access_token={TOKEN})")


# Named like a real publishing job: the sensor's default watches exactly those names.
@job(name="publish_instagram")
def publish_instagram():
    explode()


@job(name="some_other_job")
def other_job():
    explode()


SENSOR = build_check_alerts_sensor()
DEFS = Definitions(
    assets=[thing],
    asset_checks=[thing_is_healthy],
    jobs=[define_asset_job("check_thing", AssetSelection.assets(thing)), publish_instagram,
          other_job],
    sensors=[SENSOR],
)  # fmt: skip


class Ticker:
    """Evaluates the sensor the way the daemon does: each tick gets the previous tick's cursor."""

    def __init__(self, instance):
        self.instance, self.cursor = instance, None

    def __call__(self):
        context = build_sensor_context(instance=self.instance, cursor=self.cursor, definitions=DEFS)
        result = SENSOR(context)
        self.cursor = context.cursor
        return result


def run_check(instance, passed: bool) -> None:
    CHECK["passed"] = passed
    result = DEFS.resolve_job_def("check_thing").execute_in_process(instance=instance)
    assert result.success


def headers(receiver) -> list[str]:
    return [r.header for r in receiver.delivered()]
