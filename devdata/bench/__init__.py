"""The benchmark of docs/performance.md: `make bench`."""
