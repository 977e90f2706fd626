#!/usr/bin/env python3
"""Pipeline worker from the seed: pulls from the first endpoint and pushes each message on to the second.

Usage: python3 worker.py [pull-from] [push-to]   (default tcp://127.0.0.1:5557 tcp://127.0.0.1:5558)
"""

import sys

import ferrozmq as zmq

pull_from = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5557"
push_to = sys.argv[2] if len(sys.argv) > 2 else "tcp://127.0.0.1:5558"
context = zmq.Context()
receiver = context.socket(zmq.PULL)
receiver.connect(pull_from)
sender = context.socket(zmq.PUSH)
sender.connect(push_to)

try:
    while True:
        message = receiver.recv_multipart()
        sender.send_multipart(message)
        print("forwarded: " + " | ".join(p.decode(errors="replace") for p in message), flush=True)
except KeyboardInterrupt:
    pass
finally:
    context.destroy(linger=0)
