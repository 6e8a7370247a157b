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
- payload limits: 256 KiB measured as compact UTF-8 JSON, StartExecution rejects larger
  input, `States.ALL` does not match `States.DataLimitExceeded` (_enforce_payload_limits);
- unnamed executions get a UUID name (_generate_missing_execution_names).
A definition is parsed once, not for every execution: speedups.py.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.config import default_user_config

MOTO_VERSION = "5.2.5"
# Step Functions Developer Guide, "Step Functions service quotas"
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): "Maximum
# input or output size for a task, state, or execution: 256 KiB of data as a UTF-8
# encoded string" (applies to StartExecution input, state input/output, task results).
MAX_PAYLOAD_BYTES = 256 * 1024
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


def _payload_bytes(value: Any) -> int:
    """Size as Step Functions counts it: the JSON text in UTF-8 (compact; a str is taken
    as the JSON text itself). moto 5.2.5 measured json.dumps with ASCII escapes and ", "
    separators, so "é" counted 6 bytes instead of 2 and whitespace was added."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                                           default=str)
    return len(text.encode("utf-8"))


def _within_quota(value: Any) -> bool:
    # "Maximum … 256 KiB": 262,144 bytes are allowed (moto 5.2.5 used `<`).
    return _payload_bytes(value) <= MAX_PAYLOAD_BYTES


def _enforce_payload_limits() -> None:
    """The 256 KiB cap (quotas page above) at the API and inside executions.

    - StartExecution: the API reference gives `input` "Length Constraints: Maximum length
      of 262144" and says "Length constraints apply to the payload size, and are expressed
      as bytes in UTF-8 encoding" (Step Functions API Reference, "StartExecution",
      https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
      A request that breaks a modelled constraint is answered with the common error
      `ValidationException` (400; API Reference "Common Errors",
      https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html),
      in the standard wording "1 validation error detected: Value at 'input' failed to
      satisfy constraint: Member must have length less than or equal to 262144" (no value
      quoted: the member is sensitive). `InvalidExecutionInput` is for input that is not
      JSON ("The provided JSON input data is not valid."). moto 5.2.5 accepted any size.
    - In an execution, moto 5.2.5 already fails a task whose result, or a state whose
      output, is over the cap with `States.DataLimitExceeded`; only the measure is fixed
      here (_payload_bytes, `<=`).
    - Catching it: Step Functions Developer Guide, "Handling errors in Step Functions
      workflows" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
      States.DataLimitExceeded is "a terminal error that can't be caught by the States.ALL
      error type"; "States.ALL … can't catch the States.DataLimitExceeded terminal error".
      A Catch/Retry that names States.DataLimitExceeded does match it (a task's
      oversized result is a TaskFailed the task's catchers see). moto 5.2.5 let States.ALL
      match it; that is removed. (Recordings of real executions published with LocalStack's
      tests in 2024 show States.ALL catching it; the documented rule is modelled, so a
      state machine that must survive it names the error explicitly.)"""
    from moto.stepfunctions.exceptions import ValidationException
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state import state as state_mod
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_lambda
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    for module in (state_mod, state_task_lambda, state_task_service):
        module.is_within_size_quota = _within_quota

    original_start = StepFunctionsParserBackend.start_execution

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):  # type: ignore[no-untyped-def]
        if execution_input is not None and len(execution_input.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_PAYLOAD_BYTES}")
        return original_start(self, state_machine_arn, name, execution_input, trace_header)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]

    decl = error_equals_decl.ErrorEqualsDecl
    all_error = decl._STATE_ALL_ERROR
    original_eval = decl._eval_body

    def _eval_body(self, env):  # type: ignore[no-untyped-def]
        error_name = env.stack[-1]
        if (all_error in self.error_names and isinstance(error_name, StatesErrorName)
                and error_name.typ == StatesErrorNameType.StatesStatesDataLimitExceeded):
            env.stack.pop()
            env.stack.append(False)
            return
        original_eval(self, env)

    decl._eval_body = _eval_body  # type: ignore[method-assign]


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
    _enforce_payload_limits()
