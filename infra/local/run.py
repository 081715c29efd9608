"""``make run``: the whole portal on the embedded local AWS at http://127.0.0.1:8000.

One process: moto's server on 127.0.0.1 (``--moto-port``), the infra template deployed into it, the
four services and the portal behind one local gateway, the outbox relay and the SQS pump in threads.
Ctrl-C stops all of it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import secrets
import signal
import sys
import threading
from typing import Any

from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

HOST = "127.0.0.1"


def configure_environment(moto_port: int, http_port: int, prefix: str) -> None:
    """Point every AWS client of this process at the embedded moto (before any service module loads)."""
    os.environ.update({
        "AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "PORTAIL_PREFIX": prefix,
        "PORTAIL_PUBLIC_URL": f"http://{HOST}:{http_port}",
    })
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # The local stack signs its tokens with a secret of its own, new at each start (AWS reads the
    # stage's secret from Secrets Manager; nothing falls back to a default: shared.settings).
    os.environ.setdefault("PORTAIL_TOKEN_SECRET", secrets.token_urlsafe(48))


def use_fast_passwords() -> None:
    """argon2id at its lowest cost for this process's accounts service: the browser tests' live stack only
    (``--fast-passwords``), where each family signed up and logged in cost two hashes of ~175 ms of CPU.
    Never a setting a deployed function reads: production always hashes with the service's parameters."""
    from argon2 import PasswordHasher

    from accounts import service

    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # still argon2id
    dummy = fast.hash("not-a-real-password-0")
    service.hasher = fast
    service._dummy_hash = lambda: dummy  # type: ignore[assignment]


class LocalStack:
    def __init__(self, http_port: int, moto_port: int, prefix: str, *, fast_passwords: bool = False) -> None:
        self.http_port, self.moto_port, self.prefix = http_port, moto_port, prefix
        self.fast_passwords = fast_passwords
        self.threads: list[Any] = []

    def start(self) -> list[Any]:
        configure_environment(self.moto_port, self.http_port, self.prefix)
        from infra import bootstrap
        from infra.local import demo, demo_volume, dynamodb, workers
        from infra.local.apps import load_apps
        from infra.local.gateway import Gateway

        dynamodb.install()
        self.moto = ThreadedMotoServer(ip_address=HOST, port=self.moto_port, verbose=False)
        self.moto.start()
        bootstrap.deploy(self.prefix, endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                         portal_origin=os.environ["PORTAIL_PUBLIC_URL"])
        apps = load_apps()
        if self.fast_passwords:
            use_fast_passwords()
        logins = demo.seed()
        gateway = Gateway(apps)
        self.server = make_server(HOST, self.http_port, gateway, threaded=True)
        self.threads = [
            workers.Loop("outbox-relay", workers.relay_once, idle_seconds=0.3),
            *(workers.Loop(f"sqs-{source.queue}", functools.partial(workers.pump_queue, app, source, 2),
                           idle_seconds=0.1)
              for app, source in workers.queue_sources(apps)),
            *(workers.Loop(f"schedule-{source.name}", functools.partial(workers.run_scheduled, app, source),
                           idle_seconds=workers.SCHEDULE_SECONDS)
              for app, source in workers.scheduled_sources(apps)),
            threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True),
        ]
        for thread in self.threads:
            thread.start()
        self.demo_families = demo_volume.requested()
        if self.demo_families:  # DEMO_FAMILIES=300: an association at volume, seeded in the background
            demo_volume.start(gateway, self.demo_families, demo.STAFF[1][2], demo.DEMO_PASSWORD)
        return logins

    def stop(self) -> None:
        for thread in self.threads:
            if hasattr(thread, "stop"):
                thread.stop()
        self.server.shutdown()
        self.moto.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 8010)))
    parser.add_argument("--prefix", default="portail-dev")
    parser.add_argument("--fast-passwords", action="store_true",
                        help="argon2id at its lowest cost (the browser tests' stack; never for real accounts)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    stack = LocalStack(args.port, args.moto_port, args.prefix, fast_passwords=args.fast_passwords)
    logins = stack.start()
    url = f"http://{HOST}:{args.port}"
    print(f"\nPortail Familles est prêt : {url}", flush=True)
    print(f"  E-mails envoyés : {url}/dev/mail  (JSON : {url}/dev/mail.json)")
    print(f"  AWS local (moto) : http://{HOST}:{args.moto_port}")
    print("  Comptes de démonstration :")
    for login in logins:
        print(f"    {login.label:<28} {login.email:<42} mot de passe : {login.password}")
    if stack.demo_families:
        print(f"  Données de démonstration : {stack.demo_families} familles en cours de création "
              "(famille-0001@demo.portail-familles.fr…, progression ci-dessous)")
    print("Ctrl-C pour tout arrêter.", flush=True)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopping.wait()
    stack.stop()
    print("Arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
