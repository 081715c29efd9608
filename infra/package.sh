#!/usr/bin/env bash
# Package one service for AWS: `chalice package` merged with infra/merge/<service>.yaml, which
# wires the service to the shared stack's exports (tables, streams, bus, queues, bucket).
#
#   infra/package.sh <service> <stage> <outdir>
#
# Writes <outdir>/sam.yaml and <outdir>/deployment.zip, ready for `aws cloudformation package`
# and `aws cloudformation deploy --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND
# --parameter-overrides Prefix=<prefix> ...`. Uses $CHALICE, else the repository's
# .venv/bin/chalice, else `chalice` on PATH.
set -euo pipefail

usage() { echo "usage: $0 <accounts|enrolment|planning|notifications> <stage> <outdir>" >&2; exit 2; }
[ "$#" -eq 3 ] || usage
service=$1 stage=$2 outdir=$3
case "$service" in accounts | enrolment | planning | notifications) ;; *) usage ;; esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
service_dir=$repo/services/$service
[ -f "$service_dir/app.py" ] || { echo "no Chalice app at $service_dir/app.py" >&2; exit 1; }
[ -f "$repo/infra/merge/$service.yaml" ] || { echo "no merge template infra/merge/$service.yaml" >&2; exit 1; }

chalice=${CHALICE:-}
if [ -z "$chalice" ]; then
  if [ -x "$repo/.venv/bin/chalice" ]; then chalice=$repo/.venv/bin/chalice; else chalice=chalice; fi
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# Chalice needs a region to build the template; the template itself is region-independent.
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-eu-west-3}

cd "$service_dir"
"$chalice" package --stage "$stage" --merge-template "../../infra/merge/$service.yaml" "$outdir"
