"""One command per stage: ``make deploy STAGE=prod`` (or dev), and ``make deploy-check STAGE=prod``.

Both build the four artifacts for Lambda python3.12 (infra/artifacts.py) into ``out/<stage>/`` and lint
every template (cfn-lint; checkov, each skipped check justified in infra/checkov.yaml). Then:

- ``--check`` prints the deploy plan: the exact AWS CLI calls, in order, and runs none (no AWS needed);
- without it, the same calls run (the AWS CLI and credentials of the stage's account are needed).

The plan: the shared stack (infra/template.yaml); each service stack (``aws cloudformation package``
uploads its zip to the stage's artifact bucket, ``deploy`` creates or updates it); the web stack
(infra/web.yaml: S3 + CloudFront, the APIs' custom domain and base paths), given the APIs' ids; the
portal's files synced to its bucket and the CloudFront cache invalidated; the URL printed.
Settings come from infra/stages.yaml only. The one-time steps (artifact bucket, secret, SES, first
admin) are in the README, « Deploying to AWS ».
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra import artifacts, stages

ROOT = Path(__file__).resolve().parents[1]
SERVICES = artifacts.SERVICES


def _cli(*args: str) -> str:
    return shlex.join(["aws", *args])


def plan(conf: dict[str, Any], out: Path) -> list[str]:
    """The shell lines of the deployment, in order (each an AWS CLI call, or a variable read from one)."""
    prefix, region = conf["prefix"], conf["region"]
    lines = [f"export AWS_REGION={shlex.quote(region)}", "set -euo pipefail"]
    lines.append(_cli("cloudformation", "deploy", "--stack-name", f"{prefix}-shared",
                      "--template-file", str(ROOT / "infra" / "template.yaml"), "--no-fail-on-empty-changeset",
                      "--parameter-overrides", f"Prefix={prefix}", f"AlarmEmail={conf['alarm_email']}",
                      "--tags", f"stage={conf['stage']}", "application=portail-familles"))
    for service in SERVICES:
        built = out / service
        packaged = built / "packaged.yaml"
        lines.append(_cli("cloudformation", "package", "--template-file", str(built / "sam.yaml"),
                          "--s3-bucket", conf["artifact_bucket"], "--s3-prefix", f"{prefix}/{service}",
                          "--output-template-file", str(packaged)))
        overrides = [f"Prefix={prefix}", f"PublicUrl=https://{conf['domain']}",
                     f"LogRetentionDays={conf['log_retention_days']}"]
        if service == "notifications":
            overrides.append(f"MailSender={conf['mail_sender']}")
        lines.append(_cli("cloudformation", "deploy", "--stack-name", f"{prefix}-{service}",
                          "--template-file", str(packaged), "--capabilities", "CAPABILITY_IAM",
                          "CAPABILITY_AUTO_EXPAND", "--no-fail-on-empty-changeset",
                          "--parameter-overrides", *overrides,
                          "--tags", f"stage={conf['stage']}", "application=portail-familles"))
        lines.append(f"{service.upper()}_API_ID=$(" + _cli(
            "cloudformation", "describe-stacks", "--stack-name", f"{prefix}-{service}", "--query",
            "Stacks[0].Outputs[?OutputKey=='RestAPIId'].OutputValue", "--output", "text") + ")")
    lines.append(_cli("cloudformation", "deploy", "--stack-name", f"{prefix}-web",
                      "--template-file", str(ROOT / "infra" / "web.yaml"), "--no-fail-on-empty-changeset",
                      "--parameter-overrides", f"Prefix={prefix}", f"DomainName={conf['domain']}",
                      f"CertificateArn={conf['certificate_arn']}",
                      f"ApiCertificateArn={conf['api_certificate_arn']}",
                      f"HostedZoneId={conf['hosted_zone_id']}")
                 + " " + " ".join(f'"{s.capitalize()}ApiId=${s.upper()}_API_ID"' for s in SERVICES))

    def output(key: str) -> str:
        return "$(" + _cli("cloudformation", "describe-stacks", "--stack-name", f"{prefix}-web", "--query",
                           f"Stacks[0].Outputs[?OutputKey=='{key}'].OutputValue", "--output", "text") + ")"

    lines.append(f"PORTAL_BUCKET={output('PortalBucketName')}")
    lines.append(f"DISTRIBUTION_ID={output('DistributionId')}")
    lines.append(f'aws s3 sync {shlex.quote(str(ROOT / "web"))} "s3://$PORTAL_BUCKET" --delete')
    lines.append('aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION_ID" --paths "/*"')
    lines.append(f"echo \"Portail Familles ({conf['stage']}): https://{conf['domain']}\"")
    return lines


def lint(out: Path) -> None:
    """cfn-lint on every template; checkov too when installed (skips justified in infra/checkov.yaml)."""
    templates = [ROOT / "infra" / "template.yaml", ROOT / "infra" / "web.yaml",
                 *(out / s / "sam.yaml" for s in SERVICES)]
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    subprocess.run([str(cfn_lint), *map(str, templates)], check=True)  # noqa: S603 - fixed argv
    print(f"cfn-lint: {len(templates)} templates clean")
    checkov = shutil.which("checkov") or (str(ROOT / ".cache" / "checkov" / "bin" / "checkov")
                                          if (ROOT / ".cache" / "checkov" / "bin" / "checkov").exists() else None)
    if checkov is None:
        print("checkov: not installed here; `make checkov` installs it into .cache/checkov", file=sys.stderr)
        raise SystemExit(1)
    args = [checkov, "--quiet", "--compact", "--framework", "cloudformation",
            "--config-file", str(ROOT / "infra" / "checkov.yaml")]
    for template in templates:
        args += ["-f", str(template)]
    subprocess.run(args, check=True)  # noqa: S603 - fixed argv
    print("checkov: no failed check")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True, choices=stages.names())
    parser.add_argument("--check", action="store_true", help="build, lint and print the plan; call no AWS API")
    args = parser.parse_args(argv)
    conf = stages.load(args.stage)
    out = ROOT / "out" / args.stage
    built = artifacts.build_all(out, python=conf["runtime"].removeprefix("python"), stage=args.stage)
    for service, artifact in built.items():
        print(f"{service}: {artifact.zip} ({artifact.zip.stat().st_size // 1024} KiB)")
    lint(out)
    script = "\n".join(plan(conf, out)) + "\n"
    (out / "deploy.sh").write_text(script, encoding="utf-8")
    if args.check:
        print(f"\nDeploy plan for {args.stage} (out/{args.stage}/deploy.sh; nothing was called):\n")
        print(script)
        return 0
    return subprocess.run(["bash", str(out / "deploy.sh")], check=False).returncode  # noqa: S603, S607


if __name__ == "__main__":
    raise SystemExit(main())
