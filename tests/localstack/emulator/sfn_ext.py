"""Step Functions extension: turns on moto's real ASL interpreter (execution mode) and
plugs jsonata-python into the JSONata evaluator that moto ships as a stub.

moto 5.2.5 already deep-copies a state machine without its executions (many executions
per machine work) and implements StartExecution idempotency by name; the tests prove
both. Lambda tasks reach `http://localhost:$MOTO_PORT`, i.e. this emulator, whose
Invoke forwarding sends them to the Lambda host.

Patches of moto's interpreter internals (monkeypatched, written against moto 5.2.5 —
install() refuses another version, so a bump makes someone re-check them):
- `lambda:invoke` reports Lambda platform failures (timeout, runtime exit/kill, out of
  memory) as `Lambda.Unknown` (_report_platform_errors_as_lambda_unknown);
- unnamed executions get a UUID name (_generate_missing_execution_names).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.config import default_user_config

MOTO_VERSION = "5.2.5"
# The Lambda host's mark on a function error it detected itself (lambda_host/server.py).
ERROR_SOURCE_HEADER = "x-replica-dns-error-source"


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


def _report_platform_errors_as_lambda_unknown() -> None:
    """Step Functions Developer Guide, "Handle Lambda service exceptions"
    (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
    "Unhandled errors in Lambda are reported as Lambda.Unknown in the error output. These
    include out-of-memory errors and function timeouts. You can match on Lambda.Unknown,
    States.ALL, or States.TaskFailed to handle these errors."  An error the function's
    runtime posted itself keeps its errorType as the error name (that is how a Retry on
    e.g. `ReplicaDns.Transient` works).

    moto 5.2.5 names every function error after the payload's errorType
    (state_task_service_lambda.StateTaskServiceLambda._from_error), so a timeout became
    `Sandbox.Timedout` and a crash `Runtime.ExitError`. How a platform error is told
    from a posted one: the Lambda host knows which it is and says so in the
    `X-Replica-Dns-Error-Source: platform` response header (the AWS wire answer is the
    same for both: 200, X-Amz-Function-Error: Unhandled, {"errorType","errorMessage"});
    not by errorType, so a function that posts an error named e.g. `Runtime.ExitError`
    still gets that name. Without the header (another Invoke backend) nothing changes.
    The Cause is the Lambda payload, e.g.
    {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after 3.00 seconds"}.

    Only the `arn:aws:states:::lambda:invoke` integration is changed; a Task whose
    Resource is a bare function ARN keeps moto's behaviour (errorType as the name)."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    class LambdaPlatformError(lambda_eval_utils.LambdaFunctionErrorException):
        """A function error Lambda detected (not posted by the runtime)."""

    original_invoke = lambda_eval_utils._invoke_lambda_function

    def _invoke_lambda_function(parameters, region, state_credentials):  # type: ignore[no-untyped-def]
        response = original_invoke(parameters=parameters, region=region, state_credentials=state_credentials)
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        if response.get("FunctionError") and headers.get(ERROR_SOURCE_HEADER) == "platform":
            payload = response["Payload"]
            raise LambdaPlatformError(response["FunctionError"],
                                      json.dumps(payload, separators=(",", ":")))
        return response

    lambda_eval_utils._invoke_lambda_function = _invoke_lambda_function

    original_from_error = StateTaskServiceLambda._from_error

    def _from_error(self, env, ex):  # type: ignore[no-untyped-def]
        if not isinstance(ex, LambdaPlatformError):
            return original_from_error(self, env, ex)
        error = "Lambda.Unknown"
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(error),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                error=error, cause=ex.payload,
                resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type())),
        )

    StateTaskServiceLambda._from_error = _from_error  # type: ignore[method-assign]


def install() -> None:
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"sfn_ext patches moto {MOTO_VERSION} internals, found moto {moto.__version__}: "
                           "re-check every patch in emulator/sfn_ext.py before changing the pin")
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    default_user_config.setdefault("lambda", {})["use_docker"] = False
    import moto.stepfunctions.parser.asl.jsonata.jsonata as jsonata_mod

    jsonata_mod._eval_jsonata = _eval_jsonata
    _generate_missing_execution_names()
    _report_platform_errors_as_lambda_unknown()
