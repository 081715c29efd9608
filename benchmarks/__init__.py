"""Speed and scale measurements, run by hand or by ``make bench`` (see benchmarks/README.md)."""
