# Generated from schemas/envelope.json by `make schemas`. Do not edit.
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    '^[0-9]{12}\\Z': re.compile('^[0-9]{12}\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A),
    '^[a-z]{2}(-[a-z]+)+-[0-9]\\Z': re.compile('^[a-z]{2}(-[a-z]+)+-[0-9]\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z', re.A),
    '^[.A-Za-z0-9_-]{1,64}\\Z': re.compile('^[.A-Za-z0-9_-]{1,64}\\Z', re.A)
}

NoneType = type(None)

def validate_https___schemas_order_pipeline_example_envelope_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required')
        data_keys = set(data.keys())
        if "version" in data_keys:
            data_keys.remove("version")
            data__version = data["version"]
            if not isinstance(data__version, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be string", value=data__version, name="" + (name_prefix or "data") + ".version", rule='type')
            if not (isinstance(data__version, str) and data__version == '0'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be same as const definition: 0", value=data__version, name="" + (name_prefix or "data") + ".version", rule='const')
        if "id" in data_keys:
            data_keys.remove("id")
            data__id = data["id"]
            if not isinstance(data__id, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".id must be string", value=data__id, name="" + (name_prefix or "data") + ".id", rule='type')
            if isinstance(data__id, str):
                if not REGEX_PATTERNS["uuid_re_pattern"].match(data__id):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".id must be uuid", value=data__id, name="" + (name_prefix or "data") + ".id", rule='format')
        if "detail-type" in data_keys:
            data_keys.remove("detail-type")
            data__detailtype = data["detail-type"]
            if not isinstance(data__detailtype, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".detail-type must be string", value=data__detailtype, name="" + (name_prefix or "data") + ".detail-type", rule='type')
            if not (isinstance(data__detailtype, str) and data__detailtype == 'OrderCreated' or isinstance(data__detailtype, str) and data__detailtype == 'OrderStatusChanged' or isinstance(data__detailtype, str) and data__detailtype == 'PaymentProcessed' or isinstance(data__detailtype, str) and data__detailtype == 'PaymentFailed'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".detail-type must be one of ['OrderCreated', 'OrderStatusChanged', 'PaymentProcessed', 'PaymentFailed']", value=data__detailtype, name="" + (name_prefix or "data") + ".detail-type", rule='enum')
        if "source" in data_keys:
            data_keys.remove("source")
            data__source = data["source"]
            if not isinstance(data__source, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".source must be string", value=data__source, name="" + (name_prefix or "data") + ".source", rule='type')
            if not (isinstance(data__source, str) and data__source == 'order-service' or isinstance(data__source, str) and data__source == 'payment-service'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".source must be one of ['order-service', 'payment-service']", value=data__source, name="" + (name_prefix or "data") + ".source", rule='enum')
        if "account" in data_keys:
            data_keys.remove("account")
            data__account = data["account"]
            if not isinstance(data__account, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be string", value=data__account, name="" + (name_prefix or "data") + ".account", rule='type')
            if isinstance(data__account, str):
                if not REGEX_PATTERNS['^[0-9]{12}\\Z'].search(data__account):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must match pattern ^[0-9]{12}\\Z", value=data__account, name="" + (name_prefix or "data") + ".account", rule='pattern')
        if "time" in data_keys:
            data_keys.remove("time")
            data__time = data["time"]
            if not isinstance(data__time, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".time must be string", value=data__time, name="" + (name_prefix or "data") + ".time", rule='type')
            if isinstance(data__time, str):
                if not REGEX_PATTERNS["date-time_re_pattern"].match(data__time):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".time must be date-time", value=data__time, name="" + (name_prefix or "data") + ".time", rule='format')
        if "region" in data_keys:
            data_keys.remove("region")
            data__region = data["region"]
            if not isinstance(data__region, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".region must be string", value=data__region, name="" + (name_prefix or "data") + ".region", rule='type')
            if isinstance(data__region, str):
                if not REGEX_PATTERNS['^[a-z]{2}(-[a-z]+)+-[0-9]\\Z'].search(data__region):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".region must match pattern ^[a-z]{2}(-[a-z]+)+-[0-9]\\Z", value=data__region, name="" + (name_prefix or "data") + ".region", rule='pattern')
        if "resources" in data_keys:
            data_keys.remove("resources")
            data__resources = data["resources"]
            if not isinstance(data__resources, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".resources must be array", value=data__resources, name="" + (name_prefix or "data") + ".resources", rule='type')
            data__resources_is_list = isinstance(data__resources, (list, tuple))
            if data__resources_is_list:
                data__resources_len = len(data__resources)
                if data__resources_len > 10:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".resources must contain less than or equal to 10 items", value=data__resources, name="" + (name_prefix or "data") + ".resources", rule='maxItems')
                for data__resources_x, data__resources_item in enumerate(data__resources):
                    if not isinstance(data__resources_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + " must be string", value=data__resources_item, name="" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + "", rule='type')
                    if isinstance(data__resources_item, str):
                        data__resources_item_len = len(data__resources_item)
                        if data__resources_item_len > 2048:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + " must be shorter than or equal to 2048 characters", value=data__resources_item, name="" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + "", rule='maxLength')
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search(data__resources_item):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z", value=data__resources_item, name="" + (name_prefix or "data") + ".resources[{data__resources_x}]".format(**locals()) + "", rule='pattern')
        if "replay-name" in data_keys:
            data_keys.remove("replay-name")
            data__replayname = data["replay-name"]
            if not isinstance(data__replayname, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".replay-name must be string", value=data__replayname, name="" + (name_prefix or "data") + ".replay-name", rule='type')
            if isinstance(data__replayname, str):
                if not REGEX_PATTERNS['^[.A-Za-z0-9_-]{1,64}\\Z'].search(data__replayname):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".replay-name must match pattern ^[.A-Za-z0-9_-]{1,64}\\Z", value=data__replayname, name="" + (name_prefix or "data") + ".replay-name", rule='pattern')
        if "detail" in data_keys:
            data_keys.remove("detail")
            data__detail = data["detail"]
            if not isinstance(data__detail, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".detail must be object", value=data__detail, name="" + (name_prefix or "data") + ".detail", rule='type')
    return data

validate = validate_https___schemas_order_pipeline_example_envelope_json
