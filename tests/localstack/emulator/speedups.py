"""CPU that moto spends where AWS spends none, removed without changing what any API
answers.

On a 2-core machine the emulator is one Python process (one GIL) serving every AWS call
of every Lambda and running every Step Functions execution, so its own overheads are
charged to the timings the bench prints (time to safe, an AZ outage's 60 executions),
as the Lambda host's Nagle stalls were before (issue 10 item 4). Found with py-spy on
the emulator during `bench/run --az-groups 20` (3,096 samples at 20 Hz):

- moto parses a state machine's definition with its pure-Python ANTLR parser when the
  machine is created (validation) and again for every execution: 0.16-0.37 s of CPU
  each for replica-dns's 31 KB definition, 227 samples (7 %) of the run;
- moto's server finds a request's backend by listing its own package directory
  (`moto.backends.list_of_moto_modules`: os.listdir plus an isdir per entry, about 200)
  on every request: 263 samples (8.5 %);
- each Lambda Task state builds a new boto3 client to invoke its function (and opens a
  new connection with it): 116 samples (5 %) in the run after the first two were gone.

All three are memoised here. Neither input changes while the process runs (a definition's
text; moto's installed package), so every answer stays the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

# Distinct definitions whose parses are kept (the tests create a few dozen).
PARSED_DEFINITIONS_KEPT = 64


def parse_each_definition_once() -> None:
    """Memoises `AmazonStateLanguageParser.parse(definition)` by the definition's text,
    for both callers: validation at CreateStateMachine / UpdateStateMachine and each
    execution's start (ExecutionWorker._get_evaluation_entrypoint).

    Sharing the parsed program between executions is safe: the interpreter keeps an
    execution's state in its Environment, not in the program's components, which is how
    moto already runs one Map's iterations concurrently over the same components (test:
    tests/test_sfn_shared_program.py). A definition that does not parse raises as
    before and is not kept."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser = asl_parser.AmazonStateLanguageParser
    original = parser.parse
    parsed: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
    lock = threading.Lock()

    def parse(definition: str) -> tuple[Any, Any]:
        with lock:
            hit = parsed.get(definition)
            if hit is not None:
                parsed.move_to_end(definition)
                return hit
        result = original(definition)
        with lock:
            parsed[definition] = result
            while len(parsed) > PARSED_DEFINITIONS_KEPT:
                parsed.popitem(last=False)
        return result

    parser.parse = staticmethod(parse)  # type: ignore[method-assign]


def list_moto_modules_once() -> None:
    """`list_of_moto_modules()` lists the installed moto package's sub-packages; the
    package does not change while the emulator runs, so it is listed once. Callers
    iterate it or test membership, which a tuple serves as the generator did."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


# Kept-alive connections of the shared Lambda client (botocore's default is 10; an AZ
# outage runs 60 executions at once).
LAMBDA_CLIENT_CONNECTIONS = 64


def one_lambda_client_per_region() -> None:
    """moto's `boto_client_for(region, service, state_credentials)` as the Lambda
    integration calls it, with one client per (region, service) instead of one per call:
    the same endpoint (this process), the same Config (no parameter validation, no
    retries, moto's timeouts; the credentials were ignored by moto too), and a connection
    pool large enough for concurrent executions. A boto3 client may be shared between
    threads (boto3 guide, "Multithreading or multiprocessing with clients")."""
    import boto3
    from botocore.config import Config
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    from moto.core.models import botocore_stubber

    original = lambda_eval_utils.boto_client_for
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if botocore_stubber.enabled:  # moto in-process (not this server): its own path
            return original(region, service, state_credentials)
        with lock:
            client = clients.get((region, service))
            if client is None:
                client = boto3.client(
                    aws_access_key_id="ak", aws_secret_access_key="sk", region_name=region,
                    service_name=service, endpoint_url=f"http://localhost:{moto_server_port()}",
                    config=Config(parameter_validation=False,
                                  retries={"max_attempts": 0, "total_max_attempts": 1},
                                  connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                                  read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                                  max_pool_connections=LAMBDA_CLIENT_CONNECTIONS))
                clients[(region, service)] = client
            return client

    lambda_eval_utils.boto_client_for = boto_client_for


def install() -> None:
    parse_each_definition_once()
    list_moto_modules_once()
    one_lambda_client_per_region()
