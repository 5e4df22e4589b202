"""SQLite backend whose threads queue for the write lock in the process (docs/operations.md)."""
