# Generated from schemas/PaymentProcessed.json by `make schemas`. Do not edit.
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A)
}

NoneType = type(None)

def validate_https___schemas_order_pipeline_example_paymentprocessed_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['orderId', 'paymentId', 'amount', 'metadata']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required')
        data_keys = set(data.keys())
        if "orderId" in data_keys:
            data_keys.remove("orderId")
            data__orderId = data["orderId"]
            validate_https___schemas_order_pipeline_example_definitions_json__orderid(data__orderId, custom_formats, (name_prefix or "data") + ".orderId")
        if "paymentId" in data_keys:
            data_keys.remove("paymentId")
            data__paymentId = data["paymentId"]
            if not isinstance(data__paymentId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".paymentId must be string", value=data__paymentId, name="" + (name_prefix or "data") + ".paymentId", rule='type')
            if isinstance(data__paymentId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__paymentId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".paymentId must be uuid", value=data__paymentId, name="" + (name_prefix or "data") + ".paymentId", rule='format')
        if "amount" in data_keys:
            data_keys.remove("amount")
            data__amount = data["amount"]
            validate_https___schemas_order_pipeline_example_definitions_json__amount(data__amount, custom_formats, (name_prefix or "data") + ".amount")
        if "metadata" in data_keys:
            data_keys.remove("metadata")
            data__metadata = data["metadata"]
            validate_https___schemas_order_pipeline_example_definitions_json__metadata(data__metadata, custom_formats, (name_prefix or "data") + ".metadata")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", rule='additionalProperties')
    return data

def validate_https___schemas_order_pipeline_example_definitions_json__metadata(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['eventId', 'correlationId', 'schemaVersion', 'occurredAt']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required')
        data_keys = set(data.keys())
        if "eventId" in data_keys:
            data_keys.remove("eventId")
            data__eventId = data["eventId"]
            if not isinstance(data__eventId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".eventId must be string", value=data__eventId, name="" + (name_prefix or "data") + ".eventId", rule='type')
            if isinstance(data__eventId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__eventId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".eventId must be uuid", value=data__eventId, name="" + (name_prefix or "data") + ".eventId", rule='format')
        if "correlationId" in data_keys:
            data_keys.remove("correlationId")
            data__correlationId = data["correlationId"]
            if not isinstance(data__correlationId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".correlationId must be string", value=data__correlationId, name="" + (name_prefix or "data") + ".correlationId", rule='type')
            if isinstance(data__correlationId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__correlationId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".correlationId must be uuid", value=data__correlationId, name="" + (name_prefix or "data") + ".correlationId", rule='format')
        if "schemaVersion" in data_keys:
            data_keys.remove("schemaVersion")
            data__schemaVersion = data["schemaVersion"]
            if not isinstance(data__schemaVersion, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".schemaVersion must be string", value=data__schemaVersion, name="" + (name_prefix or "data") + ".schemaVersion", rule='type')
            if not (isinstance(data__schemaVersion, str) and data__schemaVersion == '1.0'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".schemaVersion must be same as const definition: 1.0", value=data__schemaVersion, name="" + (name_prefix or "data") + ".schemaVersion", rule='const')
        if "occurredAt" in data_keys:
            data_keys.remove("occurredAt")
            data__occurredAt = data["occurredAt"]
            if not isinstance(data__occurredAt, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".occurredAt must be string", value=data__occurredAt, name="" + (name_prefix or "data") + ".occurredAt", rule='type')
            if isinstance(data__occurredAt, str):
                if not REGEX_PATTERNS["date-time_re_pattern"].match(data__occurredAt):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".occurredAt must be date-time", value=data__occurredAt, name="" + (name_prefix or "data") + ".occurredAt", rule='format')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", rule='additionalProperties')
    return data

def validate_https___schemas_order_pipeline_example_definitions_json__amount(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int, float, Decimal)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be number", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0", value=data, name="" + (name_prefix or "data") + "", rule='minimum')
        if data > 1000000000:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 1000000000", value=data, name="" + (name_prefix or "data") + "", rule='maximum')
    return data

def validate_https___schemas_order_pipeline_example_definitions_json__orderid(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        if not REGEX_PATTERNS["uuid_re_pattern"].match(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be uuid", value=data, name="" + (name_prefix or "data") + "", rule='format')
    return data

validate = validate_https___schemas_order_pipeline_example_paymentprocessed_json
