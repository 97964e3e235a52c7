# Generated from schemas/OrderCreated/1.0.json by `make schemas`. Do not edit.
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\Z': re.compile('^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A)
}

NoneType = type(None)

def validate_https___schemas_order_pipeline_example_ordercreated_1_0_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['orderId', 'customerId', 'amount', 'status', 'metadata']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required')
        data_keys = set(data.keys())
        if "orderId" in data_keys:
            data_keys.remove("orderId")
            data__orderId = data["orderId"]
            if not isinstance(data__orderId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".orderId must be string", value=data__orderId, name="" + (name_prefix or "data") + ".orderId", rule='type')
            if isinstance(data__orderId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__orderId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".orderId must be uuid", value=data__orderId, name="" + (name_prefix or "data") + ".orderId", rule='format')
        if "customerId" in data_keys:
            data_keys.remove("customerId")
            data__customerId = data["customerId"]
            if not isinstance(data__customerId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".customerId must be string", value=data__customerId, name="" + (name_prefix or "data") + ".customerId", rule='type')
            if isinstance(data__customerId, str):
                if not REGEX_PATTERNS['^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\Z'].search(data__customerId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".customerId must match pattern ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\Z", value=data__customerId, name="" + (name_prefix or "data") + ".customerId", rule='pattern')
        if "amount" in data_keys:
            data_keys.remove("amount")
            data__amount = data["amount"]
            if not isinstance(data__amount, (int, float, Decimal)) or isinstance(data__amount, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be number", value=data__amount, name="" + (name_prefix or "data") + ".amount", rule='type')
            if isinstance(data__amount, (int, float, Decimal)) and not isinstance(data__amount, bool):
                if data__amount < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be bigger than or equal to 0", value=data__amount, name="" + (name_prefix or "data") + ".amount", rule='minimum')
                if data__amount > 1000000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be smaller than or equal to 1000000000", value=data__amount, name="" + (name_prefix or "data") + ".amount", rule='maximum')
        if "status" in data_keys:
            data_keys.remove("status")
            data__status = data["status"]
            if not isinstance(data__status, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be string", value=data__status, name="" + (name_prefix or "data") + ".status", rule='type')
            if not (isinstance(data__status, str) and data__status == 'pending'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be same as const definition: pending", value=data__status, name="" + (name_prefix or "data") + ".status", rule='const')
        if "metadata" in data_keys:
            data_keys.remove("metadata")
            data__metadata = data["metadata"]
            if not isinstance(data__metadata, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must be object", value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='type')
            data__metadata_is_dict = isinstance(data__metadata, dict)
            if data__metadata_is_dict:
                data__metadata__missing_keys = set(['eventId', 'correlationId', 'schemaVersion', 'occurredAt']) - data__metadata.keys()
                if data__metadata__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must contain " + (str(sorted(data__metadata__missing_keys)) + " properties"), value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='required')
                data__metadata_keys = set(data__metadata.keys())
                if "eventId" in data__metadata_keys:
                    data__metadata_keys.remove("eventId")
                    data__metadata__eventId = data__metadata["eventId"]
                    if not isinstance(data__metadata__eventId, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.eventId must be string", value=data__metadata__eventId, name="" + (name_prefix or "data") + ".metadata.eventId", rule='type')
                    if isinstance(data__metadata__eventId, str):
                        if not REGEX_PATTERNS["uuid_re_pattern"].match(data__metadata__eventId):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.eventId must be uuid", value=data__metadata__eventId, name="" + (name_prefix or "data") + ".metadata.eventId", rule='format')
                if "correlationId" in data__metadata_keys:
                    data__metadata_keys.remove("correlationId")
                    data__metadata__correlationId = data__metadata["correlationId"]
                    if not isinstance(data__metadata__correlationId, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.correlationId must be string", value=data__metadata__correlationId, name="" + (name_prefix or "data") + ".metadata.correlationId", rule='type')
                    if isinstance(data__metadata__correlationId, str):
                        if not REGEX_PATTERNS["uuid_re_pattern"].match(data__metadata__correlationId):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.correlationId must be uuid", value=data__metadata__correlationId, name="" + (name_prefix or "data") + ".metadata.correlationId", rule='format')
                if "schemaVersion" in data__metadata_keys:
                    data__metadata_keys.remove("schemaVersion")
                    data__metadata__schemaVersion = data__metadata["schemaVersion"]
                    if not isinstance(data__metadata__schemaVersion, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.schemaVersion must be string", value=data__metadata__schemaVersion, name="" + (name_prefix or "data") + ".metadata.schemaVersion", rule='type')
                    if not (isinstance(data__metadata__schemaVersion, str) and data__metadata__schemaVersion == '1.0'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.schemaVersion must be one of ['1.0']", value=data__metadata__schemaVersion, name="" + (name_prefix or "data") + ".metadata.schemaVersion", rule='enum')
                if "occurredAt" in data__metadata_keys:
                    data__metadata_keys.remove("occurredAt")
                    data__metadata__occurredAt = data__metadata["occurredAt"]
                    if not isinstance(data__metadata__occurredAt, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.occurredAt must be string", value=data__metadata__occurredAt, name="" + (name_prefix or "data") + ".metadata.occurredAt", rule='type')
                    if isinstance(data__metadata__occurredAt, str):
                        if not REGEX_PATTERNS["date-time_re_pattern"].match(data__metadata__occurredAt):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.occurredAt must be date-time", value=data__metadata__occurredAt, name="" + (name_prefix or "data") + ".metadata.occurredAt", rule='format')
                if data__metadata_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must not contain "+str(data__metadata_keys)+" properties", value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='additionalProperties')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", rule='additionalProperties')
    return data

validate = validate_https___schemas_order_pipeline_example_ordercreated_1_0_json
