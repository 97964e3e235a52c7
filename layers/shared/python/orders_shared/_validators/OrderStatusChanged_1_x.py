# Generated from schemas/OrderStatusChanged/1.0.json opened to extensions by `make schemas`. Do not edit.
from decimal import Decimal
import re

REGEX_PATTERNS = {
    'uuid_re_pattern': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z', re.A),
    '^1\\.(0|[1-9][0-9]{0,2})\\Z': re.compile('^1\\.(0|[1-9][0-9]{0,2})\\Z', re.A),
    'date-time_re_pattern': re.compile('^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)(t|T)(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[+-](?:[01]\\d|2[0-3]):[0-5]\\d|[+-](?:[01]\\d|2[0-3])[0-5]\\d|z|Z)\\Z', re.A),
    '^[A-Za-z][A-Za-z0-9_]{0,63}\\Z': re.compile('^[A-Za-z][A-Za-z0-9_]{0,63}\\Z', re.A),
    '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z', re.A)
}

_NUMBER = (int, float, Decimal)
_C0 = frozenset(['metadata', 'orderId', 'status'])
_C1 = frozenset(['metadata', 'orderId', 'reason', 'status'])
_C2 = REGEX_PATTERNS['uuid_re_pattern'].match
_C3 = frozenset(['cancelled', 'completed', 'processing'])
_C4 = REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+\\Z'].search
_C5 = frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])
_C6 = REGEX_PATTERNS['^1\\.(0|[1-9][0-9]{0,2})\\Z'].search
_C7 = REGEX_PATTERNS['date-time_re_pattern'].match


def accepts(data):
    """True only if the full validator accepts ``data`` (the common case, without its error paths)."""
    if type(data) is not dict:
        return False
    if not _C0 <= data.keys() <= _C1:
        return False
    v1 = data['orderId']
    if type(v1) is not str or not _C2(v1):
        return False
    v2 = data['status']
    if type(v2) is not str or v2 not in _C3:
        return False
    if 'reason' in data:
        v3 = data['reason']
        if type(v3) is not str or len(v3) < 1 or len(v3) > 256 or not _C4(v3):
            return False
    v4 = data['metadata']
    if type(v4) is not dict:
        return False
    if v4.keys() != _C5:
        return False
    v5 = v4['eventId']
    if type(v5) is not str or not _C2(v5):
        return False
    v6 = v4['correlationId']
    if type(v6) is not str or not _C2(v6):
        return False
    v7 = v4['schemaVersion']
    if type(v7) is not str or not _C6(v7):
        return False
    v8 = v4['occurredAt']
    if type(v8) is not str or not _C7(v8):
        return False
    return True


def validate_full(data):
    """fastjsonschema's validator, its module (and fastjsonschema) imported the first time."""
    from orders_shared._validators.OrderStatusChanged_1_x_full import validate as full

    return full(data)


def validate(data):
    """The fast path, then fastjsonschema's validator for what it does not accept (and its error)."""
    try:
        if accepts(data):
            return data
    except Exception:  # a comparison the full validator makes too (Decimal NaN): it raises
        pass
    return validate_full(data)
