"""Request bodies shared by tests."""


def story_body(world: dict, site: str = "gdansk", **changes) -> dict:
    """A valid story for a site of `world`, with changes applied."""
    body = {
        "workshop": world["workshops"][site]["id"],
        "storytellers": [world["storytellers"][site][0]["id"]],
        "kind": "present",
        "language": "pl" if site == "gdansk" else "et",
        "title": "Autobus, którego nie ma",
        "body": "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała.",
        "translations": [
            {
                "language": "en",
                "title": "The bus that is gone",
                "body": "The bus line was cut without asking residents.",
                "by": "human",
            }
        ],
        "codings": [{"theme": "youth_voice", "coder": "coder-a"}],
    }
    body.update(changes)
    return body


def checkout_env() -> dict[str, str]:
    """The environment for running the `civicfutures` command on this checkout's code (the
    installed script may point at another copy of the package)."""
    import os
    from pathlib import Path

    platform = str(Path(__file__).resolve().parent.parent / "platform")
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (platform, env.get("PYTHONPATH")) if p)
    return env
