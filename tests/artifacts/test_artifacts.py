"""The Lambda artifacts run: each service's ``deployment.zip``, unzipped, answers every handler of its
generated template (tests/artifacts/scenario.py says how Lambda is stood in for).

Which Python: production runs ``python3.12`` (infra/stages.yaml). This machine has only Python 3.11 and
no interpreter may be downloaded, so the test does two things:

- it builds the real **3.12 artifacts** and checks what decides whether they load on Lambda: the
  template's runtime, and every wheel in the zip tagged for CPython 3.12 (or pure Python / abi3) on
  x86_64 manylinux with glibc ≤ 2.34 (Amazon Linux 2023). The wheels were chosen by pip itself
  (``--only-binary=:all: --python-version 3.12 --platform manylinux…``, infra/artifacts.py), so no
  dependency is ever compiled against this host;
- it builds the **same sources the same way for 3.11** (same requirements, constraints and platforms:
  manylinux wheels, not this venv's) and invokes every function from that zip in a clean 3.11
  interpreter against moto server. What 3.12 could break that this misses: a dependency whose 3.12
  wheel differs in behaviour from its 3.11 one.

Built once per session, in parallel; wheels are cached under .cache/artifacts (git-ignored).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from infra import artifacts
from shared.settings import SERVICES
from tests.artifacts import scenario as sc


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, artifacts.Artifact]]:
    out = tmp_path_factory.mktemp("artifacts")
    with ThreadPoolExecutor(max_workers=2) as pool:
        lambda_build = pool.submit(artifacts.build_all, out / "py3.12", python="3.12", compress=False, cache=True)
        test_build = pool.submit(artifacts.build_all, out / "py3.11", python="3.11", compress=False, cache=True)
        return {"3.12": lambda_build.result(), "3.11": test_build.result()}


@pytest.fixture(scope="module")
def world(built: dict[str, dict[str, artifacts.Artifact]],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[sc.World]:
    server, world = sc.start(tmp_path_factory.mktemp("lambda"))
    try:
        yield world
    finally:
        world.close()
        server.stop()


# ------------------------------------------------------------------------------ what Lambda 3.12 gets


@pytest.mark.parametrize("service", SERVICES)
def test_the_lambda_artifact_targets_python_3_12_with_manylinux_wheels(
        built: dict[str, dict[str, artifacts.Artifact]], service: str) -> None:
    artifact = built["3.12"][service]
    runtimes = {props["Runtime"] for props in artifact.functions().values()}
    assert runtimes == {"python3.12"}
    assert {tuple(props["Architectures"]) for props in artifact.functions().values()} == {("x86_64",)}
    with zipfile.ZipFile(artifact.zip) as archive:
        tags = artifacts.wheel_tags(archive)
        names = archive.namelist()
    assert tags, "the dependencies are in the zip"
    wrong = {dist: t for dist, t in tags.items() if not any(artifacts.runs_on_lambda(tag, "3.12") for tag in t)}
    assert wrong == {}
    # Every compiled module belongs to a wheel built for CPython 3.12 (or the stable ABI), none to 3.11.
    compiled = [n for n in names if n.endswith(".so")]
    assert not [n for n in compiled if "cpython-311" in n]
    if service == "enrolment":  # Pillow (via fpdf2) was the one compiled against this host before
        assert any(n.startswith("PIL/") and "cpython-312-x86_64-linux-gnu" in n for n in compiled)
        assert any(d.startswith("pillow-") for d in tags)


def test_the_tag_check_refuses_what_lambda_cannot_load() -> None:
    assert artifacts.runs_on_lambda("cp312-cp312-manylinux_2_28_x86_64", "3.12")
    assert artifacts.runs_on_lambda("cp310-abi3-manylinux_2_26_x86_64", "3.12")
    assert artifacts.runs_on_lambda("py3-none-any", "3.12")
    assert not artifacts.runs_on_lambda("cp311-cp311-manylinux_2_28_x86_64", "3.12")
    assert not artifacts.runs_on_lambda("cp312-cp312-manylinux_2_35_x86_64", "3.12")
    assert not artifacts.runs_on_lambda("cp312-cp312-linux_x86_64", "3.12")
    assert not artifacts.runs_on_lambda("cp312-cp312-manylinux_2_28_aarch64", "3.12")


# ------------------------------------------------------------------------------ every handler answers


@pytest.fixture(scope="module")
def journey(world: sc.World, built: dict[str, dict[str, artifacts.Artifact]]) -> dict[str, Any]:
    return sc.journey(world, built["3.11"])


def test_every_function_of_every_template_was_invoked(journey: dict[str, Any], world: sc.World,
                                                      built: dict[str, dict[str, artifacts.Artifact]]) -> None:
    for service, artifact in built["3.11"].items():
        invoked = {i.logical_id for i in world.invocations if i.service == service}
        assert invoked == set(artifact.functions()), service


def test_the_apis_answer_from_their_zips(journey: dict[str, Any]) -> None:
    for name in SERVICES:
        answer = journey[f"{name}.health"]
        assert answer["statusCode"] == 200 and sc.body(answer) == {"status": "ok", "service": name}
    assert journey["accounts.signup"]["statusCode"] == 201
    assert journey["accounts.verify"]["statusCode"] == 200
    assert journey["accounts.login"]["statusCode"] == 200
    assert journey["enrolment.family"]["statusCode"] == 200
    assert journey["planning.catalogue"]["statusCode"] == 200
    assert journey["planning.validations"]["statusCode"] == 200
    # FamilyValidated, consumed from the queue, opened the planning for that child.
    assert "acem-haguenau" in json.dumps(sc.body(journey["planning.validations"]))


def test_the_correlation_id_is_answered_in_a_header(journey: dict[str, Any]) -> None:
    ids = []
    for key in ("accounts.health", "accounts.signup", "enrolment.family", "planning.catalogue"):
        headers = {k.lower(): v for k, v in journey[key]["headers"].items()}
        assert headers.get("x-correlation-id")
        ids.append(headers["x-correlation-id"])
    assert len(set(ids)) == len(ids), "each request gets its own id (none carried over from the last one)"


def test_the_authorizers_admit_the_token_and_refuse_a_forged_one(journey: dict[str, Any]) -> None:
    def allows(answer: dict[str, Any]) -> bool:
        statement = answer["policyDocument"]["Statement"][0]
        return statement["Effect"] == "Allow" and bool(statement.get("Resource"))

    for name in ("accounts", "enrolment", "planning"):
        allowed = journey[f"{name}.authorizer"]
        assert allowed["principalId"] == journey["account_id"], name
        assert allows(allowed), name
        assert not allows(journey[f"{name}.authorizer_forged"]), name
    # notifications has no authenticated route and keeps no ended-session read model: it admits no token.
    assert not allows(journey["notifications.authorizer"])
    assert not allows(journey["notifications.authorizer_forged"])


def test_events_flow_from_the_outbox_to_the_consumers_once(journey: dict[str, Any]) -> None:
    for key in ("accounts.outbox_after_relay", "enrolment.outbox_after_relay", "planning.outbox_after_relay"):
        statuses = [item["status"]["S"] for item in journey[key]]
        assert statuses and set(statuses) == {"sent"}, key
    types = {json.loads(m["Body"])["detail-type"] for m in journey["notifications.messages"]}
    assert "AccountRegistered" in types
    assert "AccountRegistered" in {json.loads(m["Body"])["detail-type"] for m in journey["enrolment.messages"]}
    # One e-mail per event although every message was delivered twice.
    assert len(journey["ses.sent"]) == len(journey["notifications.messages"])


def test_every_service_fits_its_configured_memory(journey: dict[str, Any], world: sc.World) -> None:
    """The warm container of each service ran all its functions: its peak resident memory, with a 25 %
    margin, fits the largest memory configured there (each function's own peak, from a cold container
    of its own, is in benchmarks/README.md: ``make bench-artifacts``)."""
    peaks: dict[str, float] = {}
    configured: dict[str, int] = {}
    for i in world.invocations:
        peaks[i.service] = max(peaks.get(i.service, 0.0), i.max_rss_mb)
        configured[i.service] = max(configured.get(i.service, 0), i.memory)
    too_small = {s: (peaks[s], configured[s]) for s in peaks if peaks[s] * 1.25 > configured[s]}
    assert too_small == {}


def test_a_missing_secret_stops_the_function(world: sc.World, built: dict[str, dict[str, artifacts.Artifact]]) -> None:
    """Decision 31, checked at the first invocation since decision 37: a function whose secret is missing
    or unreadable serves nothing (the API not even its health route, nor a consumer or the authorizer),
    and keeps refusing (each invocation reads again)."""
    artifact = built["3.11"]["notifications"]
    task_root = world.task_root(artifact)
    api = sc.only(world, artifact, "APIHandler")
    for logical_id, props in artifact.functions().items():
        env = world.env(artifact, logical_id)
        for broken in ({**env, "PORTAIL_TOKEN_SECRET_NAME": f"{world.prefix}/no-such-secret"},
                       {k: v for k, v in env.items() if k != "PORTAIL_TOKEN_SECRET_NAME"}):
            event = sc.api_event("GET", "/health") if logical_id == api else {}
            out = artifacts.invoke(task_root, world.runtime, props["Handler"], [event, event], broken)
            assert not out.get("import_error"), logical_id
            assert [("MissingSecret" in i.get("error", ""), "result" in i) for i in out["invocations"]] == [
                (True, False), (True, False)], logical_id
    # The same function with its secret answers: the check is not what fails.
    out = artifacts.invoke(task_root, world.runtime, artifact.functions()[api]["Handler"],
                           [sc.api_event("GET", "/health")], world.env(artifact, api))
    assert out["invocations"][0]["result"]["statusCode"] == 200


def _alarm_names(template: dict[str, Any]) -> set[str]:
    names = set()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            name = resource["Properties"]["AlarmName"]
            names.add((name["Fn::Sub"] if isinstance(name, dict) else name).replace("${Prefix}", "<prefix>"))
    return names


def test_docs_operations_names_every_alarm_the_templates_define(
        built: dict[str, dict[str, artifacts.Artifact]]) -> None:
    defined = _alarm_names(artifacts.load_template(artifacts.ROOT / "infra" / "template.yaml"))
    defined |= _alarm_names(artifacts.load_template(artifacts.ROOT / "infra" / "web.yaml"))
    for artifact in built["3.12"].values():
        defined |= _alarm_names(artifact.template())
    text = (artifacts.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(<prefix>-[a-z0-9-]+)` \|", text, flags=re.MULTILINE))
    assert documented == defined
    # Every alarm tells someone: the shared stack's topic.
    for artifact in built["3.12"].values():
        for resource in artifact.template()["Resources"].values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                assert resource["Properties"]["AlarmActions"] == [
                    {"Fn::ImportValue": {"Fn::Sub": "${Prefix}-AlarmTopicArn"}}]


def test_each_function_has_a_role_of_its_own_and_the_authorizer_never_writes(
        built: dict[str, dict[str, artifacts.Artifact]]) -> None:
    for artifact in built["3.12"].values():
        template = artifact.template()
        roles = [props["Role"]["Fn::GetAtt"][0] for props in artifact.functions().values()]
        assert len(set(roles)) == len(roles), artifact.service
        assert "DefaultRole" not in template["Resources"]
        auth_role = template["Resources"]["PortailAuthRole"]["Properties"]
        actions = [a for st in auth_role["Policies"][0]["PolicyDocument"]["Statement"]
                   for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])]
        writes = [a for a in actions if a.split(":")[1].startswith(("Put", "Update", "Delete", "BatchWrite",
                                                                    "Send", "Transact"))]
        assert writes == ["logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"], writes
        assert not any(a.startswith(("events:", "sqs:", "s3:", "ses:")) for a in actions)
        for props in artifact.functions().values():
            assert "PORTAIL_TOKEN_SECRET" not in props.get("Environment", {}).get("Variables", {})
            for event in props.get("Events", {}).values():
                if event["Type"] == "DynamoDB":
                    assert event["Properties"]["StartingPosition"] == "TRIM_HORIZON"
                    assert event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        assert "PORTAIL_TOKEN_SECRET" not in globals_env and "PORTAIL_TOKEN_SECRET_NAME" in globals_env
