"""Build each service's Lambda artifact: ``sam.yaml`` + ``deployment.zip`` for a given Python runtime.

Why not plain ``chalice package``: Chalice takes the Lambda runtime from the interpreter that builds
(3.11 here, deprecated in Lambda mid-2027) and builds any dependency it finds no wheel for from source,
against this host's glibc (Pillow did: the result needed GLIBC 2.34 and libjpeg that Lambda lacks).
So:

1. ``chalice package`` runs on a copy of the service *without* ``requirements.txt``: it only zips
   ``app.py`` and ``vendor/`` (the service's package and ``shared/``) and writes the SAM template,
   merged with ``infra/merge/<service>.yaml``.
2. The dependencies are installed by pip for the target runtime only from binary wheels
   (``--only-binary=:all: --implementation cp --python-version 3.12 --platform manylinux2014_x86_64
   --platform manylinux_2_28_x86_64 --platform manylinux_2_34_x86_64``: Amazon Linux 2023 has
   glibc 2.34), pinned by ``constraints.txt``, into a cache keyed by what decides them
   (``.cache/artifacts/``, git-ignored), then added to the zip.
3. The template's functions get the runtime of ``infra/stages.yaml`` (``python3.12``) and the
   x86_64 architecture the wheels were chosen for, then infra/harden.py's roles, names, logs, alarms.

``python -m infra.artifacts [--python 3.12] [--stage prod] [--out out] [service ...]`` builds them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("accounts", "enrolment", "planning", "notifications")
CACHE = ROOT / ".cache" / "artifacts"
# Amazon Linux 2023 (the python3.12/3.13 runtimes) ships glibc 2.34: any manylinux tag up to it runs.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
MAX_GLIBC = (2, 34)
RUNTIME = "python3.12"


@dataclass(frozen=True)
class Artifact:
    service: str
    python: str
    directory: Path

    @property
    def zip(self) -> Path:
        return self.directory / "deployment.zip"

    @property
    def template_path(self) -> Path:
        return self.directory / "sam.yaml"

    def template(self) -> dict[str, Any]:
        return load_template(self.template_path)

    def functions(self) -> dict[str, dict[str, Any]]:
        """``{logical id: properties}`` of every Lambda function in the template."""
        return {name: res["Properties"] for name, res in self.template()["Resources"].items()
                if res["Type"] == "AWS::Serverless::Function"}


def load_template(path: Path) -> dict[str, Any]:
    """A CloudFormation YAML template; short intrinsics (``!Sub``) become their long form."""

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    Loader.add_multi_constructor("!", intrinsic)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - SafeLoader subclass


def _requirements(service: str) -> list[str]:
    lines = (ROOT / "services" / service / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("-", "#"))]


def dependencies(service: str, python: str) -> Path:
    """The service's dependencies installed for ``python`` on Lambda (cached; see the module doc)."""
    key = hashlib.sha256("\n".join([
        python, *PLATFORMS, *_requirements(service), (ROOT / "constraints.txt").read_text(),
    ]).encode()).hexdigest()[:16]
    target = CACHE / f"py{python}" / f"{service}-{key}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{service}-", dir=target.parent))
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(work), "--implementation", "cp", "--python-version", python, *platforms,
         "--only-binary=:all:", "-c", str(ROOT / "constraints.txt"), *_requirements(service)],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    shutil.rmtree(work / "bin", ignore_errors=True)
    try:
        work.rename(target)
    except OSError:  # a parallel build got there first
        shutil.rmtree(work, ignore_errors=True)
    return target


def _stage_settings(stage: str) -> dict[str, Any]:
    from infra import stages

    return stages.load(stage)


def _sources_key(service: str, python: str, stage: str, deps: Path) -> str:
    """What decides an artifact: the service's and shared sources, its merge template, stage settings."""
    digest = hashlib.sha256(f"{service}|{python}|{stage}|{deps.name}".encode())
    roots = [ROOT / "services" / service / service, ROOT / "shared"]
    files = [ROOT / "services" / service / "app.py", ROOT / "services" / service / ".chalice" / "config.json",
             ROOT / "infra" / "merge" / f"{service}.yaml", ROOT / "infra" / "stages.yaml", Path(__file__),
             ROOT / "infra" / "harden.py"]
    for root in roots:
        files += sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def build(service: str, *, python: str = "3.12", stage: str = "prod", out: Path | None = None,
          compress: bool = True, cache: bool = False) -> Artifact:
    """Package ``service`` for Lambda ``python`` into ``out`` (default ``out/<service>``).

    ``cache=True`` (tests) reuses an identical earlier build: same sources, dependencies and settings.
    """
    directory = (out or ROOT / "out" / service).resolve()
    deps = dependencies(service, python)
    if cache:
        cached = CACHE / "build" / f"{service}-{_sources_key(service, python, stage, deps)}-{int(compress)}"
        if not cached.is_dir():
            built = build(service, python=python, stage=stage, out=cached.with_suffix(".tmp"), compress=compress)
            built.directory.rename(cached)
        return Artifact(service, python, cached)
    settings = _stage_settings(stage)
    with tempfile.TemporaryDirectory(prefix=f"pkg-{service}-") as tmp:
        project = Path(tmp) / service
        source = ROOT / "services" / service
        # Symlinks followed (vendor/ points at the service package and shared/); no requirements.txt.
        shutil.copytree(source, project, symlinks=False,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt",
                                                      "deployments", "deployed"))
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        chalice = Path(sys.executable).with_name("chalice")
        env = {**os.environ, "AWS_DEFAULT_REGION": settings["region"]}
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [str(chalice), "package", "--stage", stage, "--merge-template",
             str(ROOT / "infra" / "merge" / f"{service}.yaml"), str(directory)],
            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"chalice package {service} failed:\n{result.stdout}")
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(directory / "deployment.zip", "a", compression=method) as archive:
        present = set(archive.namelist())
        for path in sorted(deps.rglob("*")):
            name = path.relative_to(deps).as_posix()
            if path.is_file() and "__pycache__" not in name and name not in present:
                archive.write(path, name)
    _set_runtime(directory / "sam.yaml", service, f"python{python}", settings)
    return Artifact(service, python, directory)


def _set_runtime(path: Path, service: str, runtime: str, settings: dict[str, Any]) -> None:
    from infra.harden import harden

    template = harden(load_template(path), service)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            props = resource["Properties"]
            props["Runtime"] = runtime
            props["Architectures"] = ["x86_64"]
    path.write_text(yaml.safe_dump(template, allow_unicode=True, sort_keys=False), encoding="utf-8")


def build_all(out: Path, services: tuple[str, ...] = SERVICES, **kwargs: Any) -> dict[str, Artifact]:
    """Build several services in parallel into ``out/<service>`` (pip and zip mostly wait on I/O)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {s: pool.submit(build, s, out=out / s, **kwargs) for s in services}
        return {s: f.result() for s, f in futures.items()}


def wheel_tags(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """``{distribution: [tags]}`` from the ``*.dist-info/WHEEL`` files inside a deployment zip."""
    tags: dict[str, list[str]] = {}
    for name in archive.namelist():
        if name.endswith(".dist-info/WHEEL"):
            lines = archive.read(name).decode().splitlines()
            tags[name.split("/")[0]] = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
    return tags


def runs_on_lambda(tag: str, python: str) -> bool:
    """Whether a wheel tag installs on Lambda ``python`` (CPython, x86_64, glibc ≤ 2.34)."""
    from packaging.tags import parse_tag

    major, minor = (int(x) for x in python.split("."))
    for t in parse_tag(tag):
        interpreter_ok = (t.interpreter in {"py3", f"py{major}", f"cp{major}{minor}"}
                          or (t.abi == "abi3" and t.interpreter.startswith("cp3")
                              and int(t.interpreter[3:]) <= minor))
        abi_ok = t.abi in {"none", "abi3", f"cp{major}{minor}"}
        if t.platform == "any":
            platform_ok = True
        elif t.platform.endswith("_x86_64") and t.platform.startswith("manylinux"):
            legacy = {"manylinux1_x86_64": (2, 5), "manylinux2010_x86_64": (2, 12),
                      "manylinux2014_x86_64": (2, 17)}
            if t.platform in legacy:
                glibc = legacy[t.platform]
            else:
                _, major_s, minor_s, _ = t.platform.split("_", 3)
                glibc = (int(major_s), int(minor_s))
            platform_ok = glibc <= MAX_GLIBC
        else:
            platform_ok = False
        if interpreter_ok and abi_ok and platform_ok:
            return True
    return False


# ------------------------------------------------------------------------------ running a function

RUNNER = Path(__file__).resolve().parent / "lambda_runner.py"
# What the Lambda Python runtime puts on the path after the task root (boto3 and its dependencies).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def unpack(artifact: Artifact, into: Path) -> Path:
    """The task root: ``deployment.zip`` unzipped, as Lambda does into ``/var/task``."""
    shutil.rmtree(into, ignore_errors=True)
    with zipfile.ZipFile(artifact.zip) as archive:
        archive.extractall(into)
    return into


def runtime_path(into: Path) -> Path:
    """A directory holding only boto3 and its dependencies (links to this interpreter's copies)."""
    import importlib.util

    into.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name.removesuffix(".py"))
        assert spec is not None and spec.origin is not None, name
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        link = into / source.name
        if not link.exists():
            link.symlink_to(source)
    return into


def resolve(value: Any, params: dict[str, str], exports: dict[str, str]) -> Any:
    """Evaluate the intrinsics a function's environment uses (Ref, Fn::Sub, Fn::ImportValue)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return params[arg]
        if fn == "Fn::ImportValue":
            return exports[resolve(arg, params, exports)]
        if fn == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else arg
            names = {**params, **{k: resolve(v, params, exports) for k, v in extra.items()}}
            for name, replacement in names.items():
                text = text.replace("${" + name + "}", str(replacement))
            return text
    raise ValueError(f"unsupported intrinsic in a function environment: {value!r}")


def function_environment(artifact: Artifact, logical_id: str, params: dict[str, str],
                         exports: dict[str, str]) -> dict[str, str]:
    """The environment variables CloudFormation would give the function (Globals, then its own)."""
    template = artifact.template()
    defaults = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    params = {**defaults, "AWS::Region": "eu-west-3", "AWS::AccountId": "123456789012",
              "AWS::Partition": "aws", **params}
    env: dict[str, Any] = {}
    env.update(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    env.update(artifact.functions()[logical_id].get("Environment", {}).get("Variables", {}))
    return {name: str(resolve(value, params, exports)) for name, value in env.items()}


def _request(task_root: Path, runtime: Path, **fields: Any) -> str:
    return json.dumps({"task_root": str(task_root), "runtime_path": [str(runtime)], **fields}) + "\n"


def _answer(lines: list[str], what: str, stderr: str = "") -> dict[str, Any]:
    from infra.lambda_runner import MARK

    answers = [line[len(MARK):] for line in lines if line.startswith(MARK)]
    if not answers:
        raise RuntimeError(f"{what} crashed:\n{''.join(lines)[-3000:]}\n{stderr[-3000:]}")
    out: dict[str, Any] = json.loads(answers[-1])
    out["logs"] = "".join(line for line in lines if not line.startswith(MARK))
    return out


def _environment(env: dict[str, str]) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **env}


def invoke(task_root: Path, runtime: Path, handler: str, events: list[Any], env: dict[str, str], *,
           memory: int = 128, function_name: str = "function", baseline: bool = False,
           python: str = sys.executable) -> dict[str, Any]:
    """Run ``handler`` on ``events`` in a fresh, isolated interpreter: one cold container."""
    request = _request(task_root, runtime, handler=handler, events=events, memory=memory,
                       function_name=function_name, baseline=baseline)
    result = subprocess.run([python, "-I", "-S", str(RUNNER)], input=request,  # noqa: S603 - fixed argv
                            text=True, capture_output=True, env=_environment(env), timeout=300)
    return _answer(result.stdout.splitlines(keepends=True), handler, result.stderr)


class Container:
    """A warm container of one artifact: an isolated interpreter that answers invocations one by one."""

    def __init__(self, task_root: Path, runtime: Path, env: dict[str, str], python: str = sys.executable) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [python, "-I", "-S", str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=_environment(env))
        assert self.process.stdin is not None
        self.process.stdin.write(_request(task_root, runtime, serve=True))
        self.process.stdin.flush()

    def call(self, handler: str, events: list[Any], *, memory: int = 128,
             function_name: str = "function") -> dict[str, Any]:
        from infra.lambda_runner import MARK

        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"handler": handler, "events": events, "memory": memory,
                                             "function_name": function_name}) + "\n")
        self.process.stdin.flush()
        lines: list[str] = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                return _answer(lines, handler)
            lines.append(line)
            if line.startswith(MARK):
                return _answer(lines, handler)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    parser.add_argument("--python", default=RUNTIME.removeprefix("python"))
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    args = parser.parse_args(argv)
    built = build_all(args.out, tuple(args.services), python=args.python, stage=args.stage)
    for service, artifact in built.items():
        print(f"{service}: {artifact.zip} ({artifact.zip.stat().st_size // 1024} KiB), {artifact.template_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
