"""siyu's benchmarks: `make bench` (all) or `make bench ONLY=<name>`; see docs/performance.md.

Each benchmark prints one JSON line: {"name", "scale", "value", "unit", "baseline",
"ratio"}, where the baseline is measured in the same run on the same machine, so the ratio
stays meaningful whatever the machine. Benchmarks use their own SQLite files under
var/bench/ and never touch the demo database.
"""
