"""The demo's accounts: one per role (partners on their sites), all with the same password.

`civicfutures demo` and `civicfutures serve --demo` load them with the demo project and its
insights (`load_demo_with_users`).
"""

from __future__ import annotations

from civicfutures.auth.accounts import create_user
from civicfutures.curation.demo import load_demo_insights
from civicfutures.db.tables import User
from civicfutures.demo import DemoSummary, load_demo

DEMO_PASSWORD = "amber-lantern-harbour"
DEMO_USERS = (
    ("admin@demo.civicfutures.eu", "admin", ()),
    ("gdansk@demo.civicfutures.eu", "partner", ("gdansk",)),
    ("voru@demo.civicfutures.eu", "partner", ("voru",)),
    ("reggio@demo.civicfutures.eu", "partner", ("reggio-emilia",)),
    ("research@demo.civicfutures.eu", "researcher", ()),
    ("author@demo.civicfutures.eu", "author", ()),
)


async def load_demo_with_users() -> DemoSummary:
    """Load the demo project and its insights unless present, and any missing demo account."""
    summary = await load_demo()
    await load_demo_insights()
    for email, role, sites in DEMO_USERS:
        if not await User.exists().where(User.email == email):
            await create_user(email, role, sites, password=DEMO_PASSWORD)
    return summary
