"""Speed and quality benchmarks; `python -m benchmarks --quick` runs the suite (see README.md here)."""
