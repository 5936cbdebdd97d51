"""Is this commune ready for tomorrow's 8:00 briefing? Pure judgement plus one async runner.

- :mod:`communet.readiness.verdict`: states, thresholds and the pure judgement of each
  measurement (a burst, a TCP connect, a codec's registration and call rate, a plan);
- :mod:`communet.readiness.scope`: which communes a scope names, and a did-you-mean that
  ignores Vietnamese accents;
- :mod:`communet.readiness.probe`: the measurements, on the probes of :mod:`communet.probe`
  (one shared ICMP socket) and the plan engine (read-only);
- :mod:`communet.readiness.report`: rows, CSV, JSON and a self-contained HTML page.
"""
