"""Secrets Manager through the emulator (moto's backend, unextended), as replica-dns's
product code calls it: GetSecretValue of a secret created with CreateSecret.

AWS: Secrets Manager API Reference, "GetSecretValue"
(https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html):
returns SecretString (and ARN, Name, VersionId, VersionStages AWSCURRENT); a SecretId
that does not exist is ResourceNotFoundException.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique


def test_get_secret_value_returns_the_secret_string(emulator):
    """AWS: GetSecretValue by name or ARN returns the SecretString stored by CreateSecret,
    the secret's ARN and Name, and the current version (stage AWSCURRENT)."""
    sm = emulator.client("secretsmanager")
    name = unique("redis-auth")
    value = json.dumps({"username": "replica-dns", "password": "s3cr3t"})
    created = sm.create_secret(Name=name, SecretString=value)
    for secret_id in (name, created["ARN"]):
        got = sm.get_secret_value(SecretId=secret_id)
        assert got["SecretString"] == value
        assert (got["ARN"], got["Name"], got["VersionId"]) == (created["ARN"], name, created["VersionId"])
        assert "AWSCURRENT" in got["VersionStages"]


def test_get_secret_value_of_unknown_secret_is_resource_not_found(emulator):
    """AWS: a SecretId that does not exist is ResourceNotFoundException (HTTP 400)."""
    sm = emulator.client("secretsmanager")
    with pytest.raises(ClientError) as info:
        sm.get_secret_value(SecretId=unique("missing"))
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
