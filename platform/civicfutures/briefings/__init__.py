"""Insight briefings: a local or cross-site synthesis of a project's stories, in every format.

Flow: parameters (`params`) → a consent-filtered snapshot of the project (`analysis`) and the
agreed curation (insights, quotes, Theory of Change) → analyses collected once (`compute`) →
sections as plain data (`sections`) → charts (`charts`) → one writer per format from the
registry (`renderers`) → `manifest.json` with the hash of every file (`manifest`).

The same snapshot, curation and parameters give the same briefing id and byte-identical files:
nothing inside a briefing depends on the clock, the process or a random number; the build time
is kept beside the briefing (`storage`), never in it.
"""
