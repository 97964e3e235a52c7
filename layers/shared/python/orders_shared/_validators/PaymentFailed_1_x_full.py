# Generated from schemas/PaymentFailed/1.0.json opened to extensions by `make schemas`. Do not edit.
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z', re.A),
    '^1\\.(0|[1-9][0-9]{0,2})\\Z': re.compile('^1\\.(0|[1-9][0-9]{0,2})\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A),
    '^[A-Za-z][A-Za-z0-9_]{0,63}\\Z': re.compile('^[A-Za-z][A-Za-z0-9_]{0,63}\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z', re.A)
}

NoneType = type(None)

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 67:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 67 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data__missing_keys = set(['orderId', 'reason', 'metadata']) - data.keys()
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
        if "reason" in data_keys:
            data_keys.remove("reason")
            data__reason = data["reason"]
            if not isinstance(data__reason, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be string", value=data__reason, name="" + (name_prefix or "data") + ".reason", rule='type')
            if isinstance(data__reason, str):
                data__reason_len = len(data__reason)
                if data__reason_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be longer than or equal to 1 characters", value=data__reason, name="" + (name_prefix or "data") + ".reason", rule='minLength')
                if data__reason_len > 256:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be shorter than or equal to 256 characters", value=data__reason, name="" + (name_prefix or "data") + ".reason", rule='maxLength')
                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z'].search(data__reason):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z", value=data__reason, name="" + (name_prefix or "data") + ".reason", rule='pattern')
        if "metadata" in data_keys:
            data_keys.remove("metadata")
            data__metadata = data["metadata"]
            if not isinstance(data__metadata, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must be object", value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='type')
            data__metadata_is_dict = isinstance(data__metadata, dict)
            if data__metadata_is_dict:
                data__metadata_len = len(data__metadata)
                if data__metadata_len > 68:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must contain less than or equal to 68 properties", value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='maxProperties')
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
                    if isinstance(data__metadata__schemaVersion, str):
                        if not REGEX_PATTERNS['^1\\.(0|[1-9][0-9]{0,2})\\Z'].search(data__metadata__schemaVersion):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.schemaVersion must match pattern ^1\\.(0|[1-9][0-9]{0,2})\\Z", value=data__metadata__schemaVersion, name="" + (name_prefix or "data") + ".metadata.schemaVersion", rule='pattern')
                if "occurredAt" in data__metadata_keys:
                    data__metadata_keys.remove("occurredAt")
                    data__metadata__occurredAt = data__metadata["occurredAt"]
                    if not isinstance(data__metadata__occurredAt, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.occurredAt must be string", value=data__metadata__occurredAt, name="" + (name_prefix or "data") + ".metadata.occurredAt", rule='type')
                    if isinstance(data__metadata__occurredAt, str):
                        if not REGEX_PATTERNS["date-time_re_pattern"].match(data__metadata__occurredAt):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata.occurredAt must be date-time", value=data__metadata__occurredAt, name="" + (name_prefix or "data") + ".metadata.occurredAt", rule='format')
                for data__metadata_key in data__metadata_keys:
                    if data__metadata_key not in ['eventId', 'correlationId', 'schemaVersion', 'occurredAt']:
                        data__metadata_value = data__metadata.get(data__metadata_key)
                        validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension4(data__metadata_value, custom_formats, (name_prefix or "data") + ".metadata.{data__metadata_key}".format(**locals()))
                if data__metadata_len != 0:
                    data__metadata_property_names = True
                    for data__metadata_key in data__metadata:
                        try:
                            if not isinstance(data__metadata_key, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must be string", value=data__metadata_key, name="" + (name_prefix or "data") + ".metadata", rule='type')
                            if isinstance(data__metadata_key, str):
                                if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data__metadata_key):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data__metadata_key, name="" + (name_prefix or "data") + ".metadata", rule='pattern')
                        except (JsonSchemaValueException, JsonSchemaValuesException):
                            data__metadata_property_names = False
                    if not data__metadata_property_names:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metadata must be named by propertyName definition", value=data__metadata, name="" + (name_prefix or "data") + ".metadata", rule='propertyNames')
        for data_key in data_keys:
            if data_key not in ['orderId', 'reason', 'metadata']:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension4(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                    if isinstance(data_key, str):
                        if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data_key, name="" + (name_prefix or "data") + "", rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", rule='propertyNames')
    return data

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension4(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType, list, tuple, dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null or array or object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 items", value=data, name="" + (name_prefix or "data") + "", rule='maxItems')
        for data_x, data_item in enumerate(data):
            validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension3(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension3(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                    if isinstance(data_key, str):
                        if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data_key, name="" + (name_prefix or "data") + "", rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", rule='propertyNames')
    return data

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension3(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType, list, tuple, dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null or array or object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 items", value=data, name="" + (name_prefix or "data") + "", rule='maxItems')
        for data_x, data_item in enumerate(data):
            validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension2(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension2(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                    if isinstance(data_key, str):
                        if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data_key, name="" + (name_prefix or "data") + "", rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", rule='propertyNames')
    return data

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension2(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType, list, tuple, dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null or array or object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 items", value=data, name="" + (name_prefix or "data") + "", rule='maxItems')
        for data_x, data_item in enumerate(data):
            validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension1(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension1(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                    if isinstance(data_key, str):
                        if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data_key, name="" + (name_prefix or "data") + "", rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", rule='propertyNames')
    return data

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType, list, tuple, dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null or array or object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 items", value=data, name="" + (name_prefix or "data") + "", rule='maxItems')
        for data_x, data_item in enumerate(data):
            validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension0(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension0(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                    if isinstance(data_key, str):
                        if not REGEX_PATTERNS['^[A-Za-z][A-Za-z0-9_]{0,63}\\Z'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z][A-Za-z0-9_]{0,63}\\Z", value=data_key, name="" + (name_prefix or "data") + "", rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", rule='propertyNames')
    return data

def validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json__definitions_extension0(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    return data

validate = validate_https___schemas_order_pipeline_example_paymentfailed_1_0_json
