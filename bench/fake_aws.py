"""A minimal stand-in for DynamoDB, SNS and SQS over HTTP, for the cold-start runs.

A cold start is measured in a fresh interpreter; moto would have to be imported there first (and
it imports boto3 itself), which would hide the cost being measured. This server answers the few
operations the processors call on a happy batch with well-formed, empty-ish answers, so both
processors pay their own imports, client creation and first connection, and nothing else.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

_DYNAMODB = {
    "BatchGetItem": lambda request: {"Responses": {table: [] for table in request.get("RequestItems", {})}},
    "BatchExecuteStatement": lambda request: {"Responses": [{} for _ in request.get("Statements", [])]},
    "TransactWriteItems": lambda request: {},
    "UpdateItem": lambda request: {},
    "PutItem": lambda request: {},
    "GetItem": lambda request: {},
}
_SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"


def _sns(form: dict[str, list[str]]) -> str:
    action = form.get("Action", [""])[0]
    request_id = f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
    if action == "Publish":
        result = f"<PublishResult><MessageId>{uuid.uuid4()}</MessageId></PublishResult>"
    elif action == "PublishBatch":
        ids = [
            values[0]
            for key, values in form.items()
            if re.fullmatch(r"PublishBatchRequestEntries\.member\.\d+\.Id", key)
        ]
        members = "".join(f"<member><Id>{entry}</Id><MessageId>{uuid.uuid4()}</MessageId></member>" for entry in ids)
        result = f"<PublishBatchResult><Successful>{members}</Successful><Failed/></PublishBatchResult>"
    else:
        raise ValueError(f"unexpected SNS action {action}")
    return f'<{action}Response xmlns="{_SNS_NS}">{result}{request_id}</{action}Response>'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK expects
    disable_nagle_algorithm = True  # or each answer waits out the client's delayed ACK (~40 ms)
    wbufsize = 64 * 1024  # headers and body leave in one write

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith("DynamoDB_20120810."):
            payload = json.dumps(_DYNAMODB[target.split(".", 1)[1]](json.loads(body))).encode()
            content_type = "application/x-amz-json-1.0"
        elif target.startswith("AmazonSQS."):
            request: dict[str, Any] = json.loads(body)
            entries = request.get("Entries", [])
            answer = {
                "Successful": [{"Id": e["Id"], "MessageId": str(uuid.uuid4()), "MD5OfMessageBody": ""} for e in entries]
            }
            payload = json.dumps(answer).encode()
            content_type = "application/x-amz-json-1.0"
        else:
            payload = _sns(parse_qs(body.decode())).encode()
            content_type = "text/xml"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


class FakeAws:
    """The server on 127.0.0.1, on a free port, in a background thread (a context manager)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAws:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
