#!/usr/bin/env python3
"""REQ client from the seed: sends each line of standard input, prints each reply, and stops at a line
``q`` or at the end of input.

Usage: python3 req_client.py [endpoint]   (default tcp://localhost:5555)
"""

import sys

import ferrozmq as zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://localhost:5555"
context = zmq.Context()
socket = context.socket(zmq.REQ)
socket.connect(endpoint)
interactive = sys.stdin.isatty()

try:
    while True:
        if interactive:
            print("input your data: ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\r\n")
        if line == "q":
            break
        socket.send_string(line)
        reply = socket.recv()
        print(reply.decode(errors="replace"), flush=True)
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
