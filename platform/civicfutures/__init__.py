"""civicfutures: citizen futures workshop data platform."""

__version__ = "0.1.0"
