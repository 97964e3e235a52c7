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

_NUMBER = (int, float, Decimal)
_C0 = frozenset(['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'])
_C1 = REGEX_PATTERNS['uuid_re_pattern'].match
_C2 = frozenset(['OrderCreated', 'OrderStatusChanged', 'PaymentFailed', 'PaymentProcessed'])
_C3 = frozenset(['order-service', 'payment-service'])
_C4 = REGEX_PATTERNS['^[0-9]{12}\\Z'].search
_C5 = REGEX_PATTERNS['date-time_re_pattern'].match
_C6 = REGEX_PATTERNS['^[a-z]{2}(-[a-z]+)+-[0-9]\\Z'].search
_C7 = REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z'].search
_C8 = REGEX_PATTERNS['^[.A-Za-z0-9_-]{1,64}\\Z'].search


def accepts(data):
    """True only if the full validator accepts ``data`` (the common case, without its error paths)."""
    if type(data) is not dict:
        return False
    if not data.keys() >= _C0:
        return False
    v1 = data['version']
    if type(v1) is not str or v1 != '0':
        return False
    v2 = data['id']
    if type(v2) is not str or not _C1(v2):
        return False
    v3 = data['detail-type']
    if type(v3) is not str or v3 not in _C2:
        return False
    v4 = data['source']
    if type(v4) is not str or v4 not in _C3:
        return False
    v5 = data['account']
    if type(v5) is not str or not _C4(v5):
        return False
    v6 = data['time']
    if type(v6) is not str or not _C5(v6):
        return False
    v7 = data['region']
    if type(v7) is not str or not _C6(v7):
        return False
    v8 = data['resources']
    if type(v8) is not list:
        return False
    if len(v8) > 10:
        return False
    for v9 in v8:
        if type(v9) is not str or len(v9) > 2048 or not _C7(v9):
            return False
    if 'replay-name' in data:
        v10 = data['replay-name']
        if type(v10) is not str or not _C8(v10):
            return False
    v11 = data['detail']
    if type(v11) is not dict:
        return False
    return True


validate_full = validate_https___schemas_order_pipeline_example_envelope_json


def validate(data):
    """The fast path, then fastjsonschema's validator for what it does not accept (and its error)."""
    try:
        if accepts(data):
            return data
    except Exception:  # a comparison the full validator makes too (Decimal NaN): it raises
        pass
    return validate_full(data)
