#!/usr/bin/env python3
"""PUB server from the seed: publishes each line of standard input (to whoever is subscribed at that
moment; there is no queue for absent subscribers).

Usage: python3 pub_server.py [endpoint]   (default tcp://127.0.0.1:5000)
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5000"
context = zmq.Context()
socket = context.socket(zmq.PUB)
socket.bind(endpoint)
print(f"pub_server: bound to {socket.last_endpoint.decode()}", file=sys.stderr, flush=True)
interactive = sys.stdin.isatty()

try:
    while True:
        if interactive:
            print("input your data: ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\r\n")
        socket.send_string(line)
        print(f"published: {line}", flush=True)
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
