"""The benchmark harness of docs/benchmarks.md: `make bench` or `python -m bench --help`.

It starts the site the way production runs it (daphne or uvicorn, DEBUG off), seeds users and
groups, drives load from separate processes with their own websocket and HTTP clients, prints a
table and writes docs/benchmarks.md with plots. Every scenario talks to the server only through
the public contract (docs: /api/v1/ and /ws/).
"""
