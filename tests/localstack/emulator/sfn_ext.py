"""Step Functions extension: turns on moto's real ASL interpreter (execution mode) and
plugs jsonata-python into the JSONata evaluator that moto ships as a stub.

moto 5.2.5 already deep-copies a state machine without its executions (many executions
per machine work) and implements StartExecution idempotency by name; the tests prove
both. Lambda tasks reach `http://localhost:$MOTO_PORT`, i.e. this emulator, whose
Invoke forwarding sends them to the Lambda host.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.config import default_user_config


def _eval_jsonata(expression: str) -> Any:
    import jsonata  # jsonata-python

    from moto.stepfunctions.parser.asl.jsonata.jsonata import JSONataException

    try:
        result = jsonata.Jsonata(expression).evaluate(None)
    except Exception as exc:  # JException and friends: an ASL runtime error
        raise JSONataException("UNKNOWN", str(exc)) from exc
    # Normalise jsonata-python's containers (JList, ...) to plain JSON values.
    return json.loads(json.dumps(result)) if result is not None else None


def _generate_missing_execution_names() -> None:
    """AWS generates a UUID when StartExecution has no name; moto's execution-mode
    backend passes None through, naming every unnamed execution "None" (so the second
    one fails with ExecutionAlreadyExists)."""
    from moto.moto_api._internal import mock_random
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):  # type: ignore[no-untyped-def]
        return original(self, state_machine_arn, name or str(mock_random.uuid4()), execution_input, trace_header)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


def install() -> None:
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    default_user_config.setdefault("lambda", {})["use_docker"] = False
    import moto.stepfunctions.parser.asl.jsonata.jsonata as jsonata_mod

    jsonata_mod._eval_jsonata = _eval_jsonata
    _generate_missing_execution_names()
