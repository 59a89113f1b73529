"""Benchmark the poll schedule against fixed intervals, in simulated time.

The real DexcomCoordinator and DexcomClient poll the Dexcom simulator over
HTTP on 127.0.0.1 while the bench moves one simulated clock, read by both
sides, from poll to poll the way Home Assistant's timer would. Every
configuration sees the same simulated days: data delays of 0, 1 and 3 hours,
upload jitter, one two-hour phone stall a day and a sensor change with its
warm-up. The result is one Markdown table, and the exit status says whether
the project's schedule meets its targets.

Run it with `scripts/bench` (python -m scripts.benchmark). The program is
__main__.py; scenario.py makes the days, run.py polls them, measure.py and
report.py turn the polls into the table, targets.py judges it, and
analytics.py times the glycemic analytics.
"""
