"""Request bodies, demo places and the emptying of tables, shared by tests."""


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


async def demo_places() -> dict[str, str]:
    """The demo with its accounts and one built briefing, and the ids pages are reached by."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.service import BriefingService
    from civicfutures.db.tables import Insight, Site, Story
    from civicfutures.demo.accounts import load_demo_with_users

    project = (await load_demo_with_users()).project
    gdansk = await Site.select(Site.id).where(Site.slug == "gdansk").first()
    story = (
        await Story.select(Story.id)
        .where((Story.site == gdansk["id"]) & (Story.language == "pl"))
        .order_by(Story.id)
        .first()
    )
    insight = await Insight.select(Insight.id).order_by(Insight.id).first()
    built = await BriefingService().build_into(SYSTEM, BriefingIn(project=project, site="gdansk"))
    return {
        "project": project,
        "story": str(story["id"]),
        "insight": str(insight["id"]),
        "briefing": built.name,
    }


def every_page(places: dict[str, str]) -> list[str]:
    """Every page an admin may open (paths after `/{lang}`)."""
    from civicfutures.analysis.suite import KINDS

    project, story, insight = places["project"], places["story"], places["insight"]
    return [
        "/",
        "/sites/gdansk",
        "/sites/gdansk/stories/new",
        "/sites/gdansk/storytellers/new",
        "/sites/gdansk/workshops/new",
        "/sites/gdansk/import",
        f"/stories/{story}",
        f"/stories/{story}/edit",
        f"/projects/{project}/codebook",
        f"/projects/{project}/agreement",
        f"/projects/{project}/codebook/themes/youth_disengagement",
        "/stories",
        "/stories?site=gdansk&kind=present",
        "/exports",
        "/search",
        "/search?q=mlodziezowa",
        "/analysis",
        *(f"/analysis/{kind}?project={project}" for kind in KINDS),
        f"/projects/{project}/quotes",
        f"/projects/{project}/insights",
        f"/projects/{project}/insights/new",
        f"/insights/{insight}",
        f"/insights/{insight}/edit",
        f"/insights/{insight}/evidence",
        f"/projects/{project}/theory-of-change",
        "/briefings",
        f"/briefings/{places['briefing']}",
        "/admin/users",
        "/admin/tokens",
        "/admin/audit",
        "/account",
        "/account/password",
    ]


# What the emptying before each test must reset on PostgreSQL: every table TRUNCATE ... CASCADE
# would reach from ours, with the sequences each owns (found once, from the catalog).
_REACHED = """
WITH RECURSIVE reached(oid) AS (
    SELECT oid FROM pg_class
    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname = ANY(ARRAY[{names}])
    UNION
    SELECT c.conrelid FROM pg_constraint c JOIN reached r ON c.confrelid = r.oid
    WHERE c.contype = 'f'
)
SELECT t.relname AS "table", s.relname AS "sequence"
FROM reached r
JOIN pg_class t ON t.oid = r.oid
LEFT JOIN (pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S')
    ON d.refobjid = r.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
"""
_WRITTEN_QUERY: list[str] = []


async def _written_query(db, names: list[str]) -> str:
    """One query naming each reached table that holds a row or whose sequence has handed out
    a number: exactly the tables a TRUNCATE ... RESTART IDENTITY would change."""
    if not _WRITTEN_QUERY:
        rows = await db.run_ddl(_REACHED.format(names=", ".join(f"'{n}'" for n in names)))
        sequences: dict[str, list[str]] = {}
        for row in rows:
            owned = sequences.setdefault(row["table"], [])
            if row["sequence"] is not None:
                owned.append(row["sequence"])
        _WRITTEN_QUERY.append(
            " UNION ALL ".join(
                f"SELECT '{table}' AS name WHERE EXISTS (SELECT FROM \"{table}\")"
                + "".join(f' OR (SELECT is_called FROM "{sequence}")' for sequence in owned)
                for table, owned in sorted(sequences.items())
            )
        )
    return _WRITTEN_QUERY[0]


async def empty_tables() -> None:
    """Every table emptied, on either engine (the suite does it before each test)."""
    from civicfutures.db.lifecycle import engine
    from civicfutures.db.piccolo_app import APP_CONFIG

    # The audit log goes first: on SQLite, deleting users would otherwise rewrite its rows
    # (actor set to null), which its append-only trigger refuses.
    names = sorted(
        (table._meta.tablename for table in APP_CONFIG.table_classes),
        key=lambda n: n != "audit_event",
    )
    db = engine()
    if db.engine_type == "postgres":
        # The queue's jobs too: no job of an earlier test runs in a later one.
        names = [*names, "procrastinate_jobs", "procrastinate_periodic_defers"]
        # Only what the last test wrote: a TRUNCATE makes new files for each table and its
        # indexes and makes every pooled connection reload the tables' definitions, which for
        # all of them cost more than most tests. A table untouched is already as TRUNCATE
        # would leave it (empty, its sequence not yet used).
        written = [row["name"] for row in await db.run_ddl(await _written_query(db, names))]
        if written:
            await db.run_ddl(
                "TRUNCATE " + ", ".join(f'"{n}"' for n in written) + " RESTART IDENTITY CASCADE"
            )
    else:
        async with db.transaction():
            await db.run_ddl("PRAGMA defer_foreign_keys = ON")
            for name in names:
                await db.run_ddl(f'DELETE FROM "{name}"')
