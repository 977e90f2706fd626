#!/usr/bin/env python3
"""PULL server from the seed (the pipeline's sink): prints each message.

Usage: python3 pull_server.py [endpoint]   (default tcp://*:5558)
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5558"
context = zmq.Context()
socket = context.socket(zmq.PULL)
socket.bind(endpoint)
print(f"pull_server: bound to {socket.last_endpoint.decode()}", file=sys.stderr, flush=True)

try:
    while True:
        message = socket.recv_multipart()
        print(" | ".join(part.decode(errors="replace") for part in message), flush=True)
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
