"""What storytellers allow today, as one rule that every read goes through.

Who may read which storytellers and stories, decided here and nowhere else:

- **Nobody** reads anything a storyteller told after they withdrew: a story any of whose
  storytellers has withdrawn is invisible to every role, and a withdrawn storyteller shows
  (to the partners of their site and to admins, who may still erase them) only their code
  and consent record, never their demographics.
- **Partners** read their own sites' storytellers and stories, whatever consent was given:
  they recorded them and keep the consent forms.
- **Researchers and authors** read only storytellers who hold `research` consent now, and
  only stories all of whose storytellers do.
- **Admins** read every site, under the first rule.
- **Visitors** of a published story archive (anyone, signed in or not) read only reviewed
  stories all of whose storytellers hold `archive` consent now; never a storyteller.

The rule is a query condition (`readable_stories`, `readable_storytellers`) added to the
queries of the services, so lists, counts, single reads and pages agree, and `story_consent`
answers the same question for stories already in hand (evidence, quotes). Consent is read
fresh from the tables at every call, never cached: a withdrawal takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from piccolo.columns.combination import And, Or, Where, WhereRaw

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Story, StoryStoryteller, Storyteller

READER_ROLES = ("researcher", "author")
# Scopes are stored as a JSON list of fixed words, so the quoted word cannot match anything else.
_RESEARCH = '%"research"%'
_ARCHIVE = '%"archive"%'

_NOTHING = WhereRaw("1 = 0")
# Each raw condition is parenthesised whole: Piccolo joins them with AND/OR as they are.
_NO_WITHDRAWN_TELLER = WhereRaw(
    "(NOT EXISTS (SELECT 1 FROM story_storyteller l JOIN storyteller t ON t.id = l.storyteller "
    "WHERE l.story = story.id AND t.consent_withdrawn_at IS NOT NULL))"
)
_EVERY_TELLER_CONSENTS = WhereRaw(
    "(EXISTS (SELECT 1 FROM story_storyteller l WHERE l.story = story.id) "
    "AND NOT EXISTS (SELECT 1 FROM story_storyteller l JOIN storyteller t ON t.id = l.storyteller "
    "WHERE l.story = story.id AND (t.consent_withdrawn_at IS NOT NULL "
    "OR CAST(t.consent_scopes AS TEXT) NOT LIKE {})))",
    _RESEARCH,
)
# The public archive: reviewed stories only, and every teller's `archive` consent, none withdrawn.
_EVERY_TELLER_ARCHIVES = WhereRaw(
    "(story.status = 'reviewed' "
    "AND EXISTS (SELECT 1 FROM story_storyteller l WHERE l.story = story.id) "
    "AND NOT EXISTS (SELECT 1 FROM story_storyteller l JOIN storyteller t ON t.id = l.storyteller "
    "WHERE l.story = story.id AND (t.consent_withdrawn_at IS NOT NULL "
    "OR CAST(t.consent_scopes AS TEXT) NOT LIKE {})))",
    _ARCHIVE,
)
_TELLER_CONSENTS = WhereRaw(
    "(storyteller.consent_withdrawn_at IS NULL "
    "AND CAST(storyteller.consent_scopes AS TEXT) LIKE {})",
    _RESEARCH,
)


def _any_of(clauses: list[Where | WhereRaw | And | Or]) -> Where | WhereRaw | And | Or:
    if not clauses:
        return _NOTHING
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = Or(combined, clause)
    return combined


def readable_stories(actor: Actor) -> Where | WhereRaw | And | Or:
    """The condition on `Story` rows that `actor` may read."""
    if actor.is_visitor:
        return _EVERY_TELLER_ARCHIVES
    if actor.is_admin:
        return _NO_WITHDRAWN_TELLER
    clauses: list[Where | WhereRaw | And | Or] = []
    if actor.partner_site_ids:
        clauses.append(And(Story.site.is_in(sorted(actor.partner_site_ids)), _NO_WITHDRAWN_TELLER))
    if actor.has_any(*READER_ROLES):
        clauses.append(_EVERY_TELLER_CONSENTS)
    return _any_of(clauses)


def readable_storytellers(actor: Actor) -> Where | WhereRaw | And | Or:
    """The condition on `Storyteller` rows that `actor` may read (withdrawn ones included for
    those who may still erase them: see `shows_demographics`)."""
    if actor.is_admin:
        return WhereRaw("1 = 1")
    clauses: list[Where | WhereRaw | And | Or] = []
    if actor.partner_site_ids:
        clauses.append(Storyteller.site.is_in(sorted(actor.partner_site_ids)))
    if actor.has_any(*READER_ROLES):
        clauses.append(_TELLER_CONSENTS)
    return _any_of(clauses)


def shows_demographics(withdrawn_at: object) -> bool:
    """A withdrawn storyteller's record keeps its code and consent dates, nothing about them."""
    return withdrawn_at is None


@dataclass(frozen=True)
class StoryConsent:
    """What the storytellers of one story allow today."""

    research: bool
    quote: bool
    archive: bool = False


NO_CONSENT = StoryConsent(research=False, quote=False)


async def story_consent(story_ids: Iterable[int]) -> dict[int, StoryConsent]:
    """Consent per story id: evidence needs every storyteller's `research`, a quote also every
    storyteller's `quote`, the public archive every storyteller's `archive`, none withdrawn; a
    story without storytellers allows nothing."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    rows = (
        await StoryStoryteller.select(
            StoryStoryteller.story,
            StoryStoryteller.storyteller.consent_scopes,
            StoryStoryteller.storyteller.consent_withdrawn_at,
        )
        .output(load_json=True)
        .where(StoryStoryteller.story.is_in(ids))
    )
    research: dict[int, bool] = {}
    quote: dict[int, bool] = {}
    archive: dict[int, bool] = {}
    for row in rows:
        scopes = row["storyteller.consent_scopes"] or []
        active = row["storyteller.consent_withdrawn_at"] is None and "research" in scopes
        story = row["story"]
        research[story] = research.get(story, True) and active
        quote[story] = quote.get(story, True) and active and "quote" in scopes
        archive[story] = (
            archive.get(story, True)
            and row["storyteller.consent_withdrawn_at"] is None
            and "archive" in scopes
        )
    return {
        story: StoryConsent(
            research=research.get(story, False),
            quote=quote.get(story, False),
            archive=archive.get(story, False),
        )
        for story in ids
    }
