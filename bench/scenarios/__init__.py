"""One module per target scenario (docs/performance.md). Each has `run(stage) -> result` on the
harness side and an async `worker(spec, sync)` that runs in the load processes."""
