"""Secrets Manager extension: moto's backend as is (CreateSecret, GetSecretValue, …),
with AWS's HTTP status for its not-found errors.

moto 5.2.5 answers ResourceNotFoundException (and the InvalidRequestException for a
VersionStage/VersionId mismatch) with HTTP 404. Secrets Manager is an awsJson1_1 service
whose error shapes carry no HTTP status, so every client error is 400; recorded AWS
responses (LocalStack's AWS-validated snapshots of GetSecretValue on a missing secret)
show `ResourceNotFoundException` with status 400. Secrets Manager API Reference,
"GetSecretValue" (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html),
Errors: "ResourceNotFoundException — Secrets Manager can't find the resource that you
asked for. HTTP Status Code: 400".
"""

from __future__ import annotations


def install() -> None:
    from moto.secretsmanager import exceptions

    for cls in (exceptions.ResourceNotFoundException, exceptions.SecretNotFoundException,
                exceptions.SecretHasNoValueException, exceptions.SecretStageVersionMismatchException):
        original = cls.__init__

        def __init__(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            _original(self, *args, **kwargs)
            self.code = 400

        cls.__init__ = __init__  # type: ignore[method-assign]
