"""Validators generated from orders_shared/schemas by `make schemas`. Do not edit.

WRITERS: the closed schema of each released version. READERS: each major's tolerant reader.
Both name the module (in this package) whose ``validate`` checks it.
KNOWN: the detail and metadata fields each reader knows (any other is an extension).
Each module also has ``accepts``, its fast path: True only for a document ``validate`` accepts.
fastjsonschema's validator of each is in ``<module>_full``, imported only for what ``accepts`` declines.
"""

MODULES = ('OrderCreated_1_0', 'OrderCreated_1_x', 'OrderCreated_2_0', 'OrderCreated_2_x', 'OrderNotification_1_0', 'OrderNotification_1_x', 'OrderStatusChanged_1_0', 'OrderStatusChanged_1_x', 'PaymentFailed_1_0', 'PaymentFailed_1_x', 'PaymentProcessed_1_0', 'PaymentProcessed_1_x', 'envelope')

WRITERS = {
    ("OrderCreated", "1.0"): "OrderCreated_1_0",
    ("OrderCreated", "2.0"): "OrderCreated_2_0",
    ("OrderStatusChanged", "1.0"): "OrderStatusChanged_1_0",
    ("PaymentProcessed", "1.0"): "PaymentProcessed_1_0",
    ("PaymentFailed", "1.0"): "PaymentFailed_1_0",
    ("OrderNotification", "1.0"): "OrderNotification_1_0",
}

READERS = {
    ("OrderCreated", 1): "OrderCreated_1_x",
    ("OrderCreated", 2): "OrderCreated_2_x",
    ("OrderStatusChanged", 1): "OrderStatusChanged_1_x",
    ("PaymentProcessed", 1): "PaymentProcessed_1_x",
    ("PaymentFailed", 1): "PaymentFailed_1_x",
    ("OrderNotification", 1): "OrderNotification_1_x",
}

KNOWN = {
    ("OrderCreated", 1): (frozenset(['amount', 'customerId', 'metadata', 'orderId', 'status']), frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])),
    ("OrderCreated", 2): (frozenset(['customerId', 'metadata', 'orderId', 'status', 'total']), frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])),
    ("OrderStatusChanged", 1): (frozenset(['metadata', 'orderId', 'reason', 'status']), frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])),
    ("PaymentProcessed", 1): (frozenset(['amount', 'metadata', 'orderId', 'paymentId']), frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])),
    ("PaymentFailed", 1): (frozenset(['metadata', 'orderId', 'reason']), frozenset(['correlationId', 'eventId', 'occurredAt', 'schemaVersion'])),
    ("OrderNotification", 1): (frozenset(['correlationId', 'detailType', 'eventId', 'message', 'occurredAt', 'orderId', 'previousStatus', 'schemaVersion', 'status']), frozenset([])),
}

DETAIL_TYPES = ('OrderCreated', 'OrderStatusChanged', 'PaymentProcessed', 'PaymentFailed')
NOTIFICATION = 'OrderNotification'
