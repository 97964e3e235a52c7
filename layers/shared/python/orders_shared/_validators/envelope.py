# Generated from schemas/envelope.json by `make schemas`. Do not edit.
from decimal import Decimal
import re

REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    '^[0-9]{12}\\Z': re.compile('^[0-9]{12}\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A),
    '^[a-z]{2}(-[a-z]+)+-[0-9]\\Z': re.compile('^[a-z]{2}(-[a-z]+)+-[0-9]\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z', re.A),
    '^[.A-Za-z0-9_-]{1,64}\\Z': re.compile('^[.A-Za-z0-9_-]{1,64}\\Z', re.A)
}

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


def validate_full(data):
    """fastjsonschema's validator, its module (and fastjsonschema) imported the first time."""
    from orders_shared._validators.envelope_full import validate as full

    return full(data)


def validate(data):
    """The fast path, then fastjsonschema's validator for what it does not accept (and its error)."""
    try:
        if accepts(data):
            return data
    except Exception:  # a comparison the full validator makes too (Decimal NaN): it raises
        pass
    return validate_full(data)
