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
  on every request: 263 samples (8.5 %).

Both are memoised here. Neither input changes while the process runs (a definition's
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


def install() -> None:
    parse_each_definition_once()
    list_moto_modules_once()
