# Generated from schemas/OrderNotification/1.0.json opened to extensions by `make schemas`. Do not edit.
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^1\\.(0|[1-9][0-9]{0,2})\\Z': re.compile('^1\\.(0|[1-9][0-9]{0,2})\\Z', re.A),
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z', re.A),
    '^[A-Za-z][A-Za-z0-9_]{0,63}\\Z': re.compile('^[A-Za-z][A-Za-z0-9_]{0,63}\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z', re.A)
}

NoneType = type(None)

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 73:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 73 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data__missing_keys = set(['schemaVersion', 'eventId', 'orderId', 'status', 'previousStatus', 'detailType', 'correlationId', 'occurredAt', 'message']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required')
        data_keys = set(data.keys())
        if "schemaVersion" in data_keys:
            data_keys.remove("schemaVersion")
            data__schemaVersion = data["schemaVersion"]
            if not isinstance(data__schemaVersion, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".schemaVersion must be string", value=data__schemaVersion, name="" + (name_prefix or "data") + ".schemaVersion", rule='type')
            if isinstance(data__schemaVersion, str):
                if not REGEX_PATTERNS['^1\\.(0|[1-9][0-9]{0,2})\\Z'].search(data__schemaVersion):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".schemaVersion must match pattern ^1\\.(0|[1-9][0-9]{0,2})\\Z", value=data__schemaVersion, name="" + (name_prefix or "data") + ".schemaVersion", rule='pattern')
        if "eventId" in data_keys:
            data_keys.remove("eventId")
            data__eventId = data["eventId"]
            if not isinstance(data__eventId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".eventId must be string", value=data__eventId, name="" + (name_prefix or "data") + ".eventId", rule='type')
            if isinstance(data__eventId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__eventId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".eventId must be uuid", value=data__eventId, name="" + (name_prefix or "data") + ".eventId", rule='format')
        if "orderId" in data_keys:
            data_keys.remove("orderId")
            data__orderId = data["orderId"]
            if not isinstance(data__orderId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".orderId must be string", value=data__orderId, name="" + (name_prefix or "data") + ".orderId", rule='type')
            if isinstance(data__orderId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__orderId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".orderId must be uuid", value=data__orderId, name="" + (name_prefix or "data") + ".orderId", rule='format')
        if "status" in data_keys:
            data_keys.remove("status")
            data__status = data["status"]
            if not isinstance(data__status, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be string", value=data__status, name="" + (name_prefix or "data") + ".status", rule='type')
            if not (isinstance(data__status, str) and data__status == 'pending' or isinstance(data__status, str) and data__status == 'processing' or isinstance(data__status, str) and data__status == 'completed' or isinstance(data__status, str) and data__status == 'cancelled'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be one of ['pending', 'processing', 'completed', 'cancelled']", value=data__status, name="" + (name_prefix or "data") + ".status", rule='enum')
        if "previousStatus" in data_keys:
            data_keys.remove("previousStatus")
            data__previousStatus = data["previousStatus"]
            if not isinstance(data__previousStatus, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previousStatus must be string or null", value=data__previousStatus, name="" + (name_prefix or "data") + ".previousStatus", rule='type')
            if not (isinstance(data__previousStatus, str) and data__previousStatus == 'pending' or isinstance(data__previousStatus, str) and data__previousStatus == 'processing' or isinstance(data__previousStatus, str) and data__previousStatus == 'completed' or isinstance(data__previousStatus, str) and data__previousStatus == 'cancelled' or data__previousStatus is None):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previousStatus must be one of ['pending', 'processing', 'completed', 'cancelled', None]", value=data__previousStatus, name="" + (name_prefix or "data") + ".previousStatus", rule='enum')
        if "detailType" in data_keys:
            data_keys.remove("detailType")
            data__detailType = data["detailType"]
            if not isinstance(data__detailType, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".detailType must be string", value=data__detailType, name="" + (name_prefix or "data") + ".detailType", rule='type')
            if not (isinstance(data__detailType, str) and data__detailType == 'OrderCreated' or isinstance(data__detailType, str) and data__detailType == 'OrderStatusChanged' or isinstance(data__detailType, str) and data__detailType == 'PaymentProcessed' or isinstance(data__detailType, str) and data__detailType == 'PaymentFailed'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".detailType must be one of ['OrderCreated', 'OrderStatusChanged', 'PaymentProcessed', 'PaymentFailed']", value=data__detailType, name="" + (name_prefix or "data") + ".detailType", rule='enum')
        if "correlationId" in data_keys:
            data_keys.remove("correlationId")
            data__correlationId = data["correlationId"]
            if not isinstance(data__correlationId, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".correlationId must be string", value=data__correlationId, name="" + (name_prefix or "data") + ".correlationId", rule='type')
            if isinstance(data__correlationId, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__correlationId):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".correlationId must be uuid", value=data__correlationId, name="" + (name_prefix or "data") + ".correlationId", rule='format')
        if "occurredAt" in data_keys:
            data_keys.remove("occurredAt")
            data__occurredAt = data["occurredAt"]
            if not isinstance(data__occurredAt, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".occurredAt must be string", value=data__occurredAt, name="" + (name_prefix or "data") + ".occurredAt", rule='type')
            if isinstance(data__occurredAt, str):
                if not REGEX_PATTERNS["date-time_re_pattern"].match(data__occurredAt):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".occurredAt must be date-time", value=data__occurredAt, name="" + (name_prefix or "data") + ".occurredAt", rule='format')
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            if not isinstance(data__message, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string", value=data__message, name="" + (name_prefix or "data") + ".message", rule='type')
            if isinstance(data__message, str):
                data__message_len = len(data__message)
                if data__message_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be longer than or equal to 1 characters", value=data__message, name="" + (name_prefix or "data") + ".message", rule='minLength')
                if data__message_len > 256:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be shorter than or equal to 256 characters", value=data__message, name="" + (name_prefix or "data") + ".message", rule='maxLength')
                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z'].search(data__message):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z", value=data__message, name="" + (name_prefix or "data") + ".message", rule='pattern')
        for data_key in data_keys:
            if data_key not in ['schemaVersion', 'eventId', 'orderId', 'status', 'previousStatus', 'detailType', 'correlationId', 'occurredAt', 'message']:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension4(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
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

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension4(data, custom_formats={}, name_prefix=None):
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
            validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension3(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension3(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
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

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension3(data, custom_formats={}, name_prefix=None):
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
            validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension2(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension2(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
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

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension2(data, custom_formats={}, name_prefix=None):
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
            validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension1(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension1(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
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

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension1(data, custom_formats={}, name_prefix=None):
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
            validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension0(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_len = len(data)
        if data_len > 64:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 64 properties", value=data, name="" + (name_prefix or "data") + "", rule='maxProperties')
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension0(data_value, custom_formats, (name_prefix or "data") + ".{data_key}".format(**locals()))
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

def validate_https___schemas_order_pipeline_example_ordernotification_1_0_json__definitions_extension0(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str, int, float, Decimal, bool, NoneType)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string or number or boolean or null", value=data, name="" + (name_prefix or "data") + "", rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 1024:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be shorter than or equal to 1024 characters", value=data, name="" + (name_prefix or "data") + "", rule='maxLength')
        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data, name="" + (name_prefix or "data") + "", rule='pattern')
    return data

validate = validate_https___schemas_order_pipeline_example_ordernotification_1_0_json
