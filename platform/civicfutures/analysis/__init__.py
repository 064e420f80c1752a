"""Analysis: a consent-filtered Parquet snapshot of a project, and insights over it in Polars.

Every insight is a pure function of LazyFrames (one module each); `suite` dispatches a request
to one of them, applies disclosure control and collects once.
"""
