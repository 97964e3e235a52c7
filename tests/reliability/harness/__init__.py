"""Reliability harness: fault injection on boto3 clients, an at-least-once SQS simulator, the soak.

Nothing here touches production code paths. Faults are injected through botocore's event hooks on
the clients handed to the real adapters, and the real :class:`~order_processor.domain.BatchApplier`
runs against moto. The package is free of pytest so that ``tests/reliability/soak.py`` can use it.

Modules, in the order a soak uses them:

- ``common``: constants of the simulated account, the fixed clock, seeded ids.
- ``moto_threads``: moto made safe for threads and linear in time.
- ``faults``: the fault injector and DynamoDB's number limits.
- ``stack``: the processor's resources on moto and the real applier wired to them.
- ``scenario``: order lifecycles, poison, and the bodies producers publish.
- ``delivery``: the at-least-once queue simulator, the ledger, the redriver's port over it.
- ``soak_run``: a whole soak run, its figures, the fault-free reference run.
- ``outcomes``: what a run left behind, read back (storage format 2: heads, event items, counters
  after the commits' ledgers are reduced).
- ``checks``: every guarantee checked against it.

Determinism: each fault is drawn from ``Random(seed, operation, request digest, occurrence)``, so a
seed replays the same faults whatever the thread schedule. The digest ignores what varies from run
to run without meaning anything (botocore's ``ClientRequestToken``, the order of batch entries, which
the processor sometimes takes from a set, and the ids of the commits' ledgers, drawn from the wall
clock and a random shard); the rest is made reproducible by seeded ids and a fixed clock. Same seed,
same figures.
"""
