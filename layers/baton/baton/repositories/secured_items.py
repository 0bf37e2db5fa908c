"""A secret in SSM Parameter Store beside its item in the data table (a chat webhook's URL, a connector's keys).

- The secret is a SecureString parameter, KMS-encrypted with the AWS-managed `aws/ssm` key; it is read only to call
  the provider or to verify its calls, never returned.
- The item says that it is set up (and how its last delivery went), so listing needs no decryption.
- Saving writes the parameter first and removing deletes it first: the parameter is what calls use.
- SSM answers worth a retry (after botocore's own) become `Transient`: the API maps it to 503, queues redeliver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.errors import Transient
from baton.repositories.codec import to_attrs
from baton.repositories.dynamo_errors import call

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

SSM_TRANSIENT = frozenset({"ThrottlingException", "TooManyUpdates", "InternalServerError", "ServiceUnavailable"})


class SecuredItems:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient, ssm: Any) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self._ssm = ssm  # an SSM client (boto3-stubs' ssm extra is not installed)

    def read_secret(self, parameter: str) -> str | None:
        """The parameter's decrypted value, or None when there is none."""
        try:
            found = self._ssm_call(self._ssm.get_parameter, Name=parameter, WithDecryption=True)
        except ClientError as error:
            if error_code(error) == "ParameterNotFound":
                return None
            raise
        return str(found["Parameter"]["Value"])

    def save(self, parameter: str, secret: str, description: str, item: dict[str, Any]) -> None:
        """The parameter first (what calls use), then the item (what the console lists)."""
        self._ssm_call(
            self._ssm.put_parameter, Name=parameter, Value=secret, Type="SecureString", Overwrite=True, Description=description
        )
        call(self._dynamodb.put_item, TableName=self._table, Item=to_attrs(item))

    def remove(self, parameter: str, key: dict[str, str]) -> bool:
        """False when there was nothing to remove. The parameter first: without it nothing can call the provider."""
        try:
            self._ssm_call(self._ssm.delete_parameter, Name=parameter)
            had_parameter = True
        except ClientError as error:
            if error_code(error) != "ParameterNotFound":
                raise
            had_parameter = False
        old = call(self._dynamodb.delete_item, TableName=self._table, Key=to_attrs(key), ReturnValues="ALL_OLD")
        return had_parameter or bool(old.get("Attributes"))

    def set_field(self, key: dict[str, str], field: str, value: Any) -> None:
        """One field of an existing item (never creates one: a removed webhook or connector stays removed)."""
        try:
            call(
                self._dynamodb.update_item,
                TableName=self._table,
                Key=to_attrs(key),
                UpdateExpression="SET #field = :value",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#field": field},
                ExpressionAttributeValues=to_attrs({":value": value}),
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def _ssm_call(self, operation: Any, **kwargs: Any) -> Any:
        try:
            return operation(**kwargs)
        except ClientError as error:
            if error_code(error) in SSM_TRANSIENT:
                raise Transient("The settings store is busy; retry in a moment.") from error
            raise


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
