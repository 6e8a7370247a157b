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


def install() -> None:
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    default_user_config.setdefault("lambda", {})["use_docker"] = False
    import moto.stepfunctions.parser.asl.jsonata.jsonata as jsonata_mod

    jsonata_mod._eval_jsonata = _eval_jsonata
