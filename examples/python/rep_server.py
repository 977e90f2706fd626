#!/usr/bin/env python3
"""REP server from the seed: prints each request and replies ``server response!``.

Usage: python3 rep_server.py [endpoint]   (default tcp://*:5555)
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5555"
context = zmq.Context()
socket = context.socket(zmq.REP)
socket.bind(endpoint)
print(f"rep_server: bound to {socket.last_endpoint.decode()}", file=sys.stderr, flush=True)

try:
    while True:
        message = socket.recv_multipart()
        print(" | ".join(part.decode(errors="replace") for part in message), flush=True)
        socket.send(b"server response!")
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
