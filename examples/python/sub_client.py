#!/usr/bin/env python3
"""SUB client from the seed: prints each message that starts with the filter (default: every message).

Usage: python3 sub_client.py [endpoint] [filter]   (default tcp://127.0.0.1:5000, "")
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5000"
topic_filter = sys.argv[2] if len(sys.argv) > 2 else ""
context = zmq.Context()
socket = context.socket(zmq.SUB)
socket.connect(endpoint)
# Without a subscription a SUB receives nothing.
socket.setsockopt_string(zmq.SUBSCRIBE, topic_filter)

try:
    while True:
        message = socket.recv_multipart()
        print(" | ".join(part.decode(errors="replace") for part in message), flush=True)
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
