"""The chaos suite: real processes killed and restarted under load, and the zero-loss promise
checked after each fault (`make chaos`; docs/reliability.md)."""
