#!/usr/bin/env python3
"""PUSH client from the seed (the pipeline's source): pushes each line of standard input to the workers.

Usage: python3 push_client.py [endpoint]   (default tcp://*:5557)
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5557"
context = zmq.Context()
socket = context.socket(zmq.PUSH)
socket.bind(endpoint)
print(f"push_client: bound to {socket.last_endpoint.decode()}", file=sys.stderr, flush=True)
interactive = sys.stdin.isatty()

try:
    while True:
        if interactive:
            print("input your data: ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\r\n")
        # Blocks until a worker is connected (a bound PUSH has nowhere to queue before that).
        socket.send_string(line)
        print(f"pushed: {line}", flush=True)
except KeyboardInterrupt:
    socket.close(linger=0)
finally:
    # Closing with the default LINGER (-1) waits until every pushed line has been handed over.
    socket.close()
    context.term()
