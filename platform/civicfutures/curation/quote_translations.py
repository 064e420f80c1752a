"""A curator's translation of a quote: one excerpt, one language, on every insight citing it.

The same passage may be cited by several insights; its translation is the curator's reading of
those words, not of one insight, so it is written to every citation at once and the insights
citing it get a new version (an edit open elsewhere must reload rather than restore the old
text). An empty text removes the translation.
"""

from __future__ import annotations

import datetime as dt

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.curation import schemas as c
from civicfutures.curation.access import is_curator
from civicfutures.curation.quotes import QuoteBank, quotable_evidence, same_language
from civicfutures.db.tables import Evidence, Insight
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.validation import Checker, nfc


async def set_quote_translation(actor: Actor, data: c.QuoteTranslationIn) -> c.QuoteOut:
    """Store (or with an empty text, remove) the curator's translation of a quote."""
    if not is_curator(actor):
        raise Forbidden(_("Only authors translate quotes."))
    check = Checker()
    language = check.language("language", data.language.strip())
    text = nfc(data.text.strip())
    check.raise_if_any()
    project = await find_project(data.project)
    span = (data.story, data.start, data.end)
    quote = next(
        (
            q
            for q in await quotable_evidence(actor, project["id"])
            if (q.story, q.start, q.end) == span
        ),
        None,
    )
    if quote is None:
        raise NotFound(
            _("No such quote."),
            [FieldError("story", _("No quotable excerpt of this story at these offsets."))],
        )
    if same_language(quote.language, language):
        check.add(
            "language",
            _("The quote is already in this language; choose the language of its translation."),
        )
        check.raise_if_any()
    async with write_transaction():
        rows = (
            await Evidence.select(Evidence.id, Evidence.insight, Evidence.translations)
            .output(load_json=True)
            .where(
                (Evidence.story == data.story)
                & (Evidence.start_offset == data.start)
                & (Evidence.end_offset == data.end)
                & (Evidence.insight.project == project["id"])
            )
            .order_by(Evidence.id)
        )
        before = dict(rows[0]["translations"] or {}) if rows else {}
        for row in rows:
            # One translation per language: `en-GB` replaces `en` rather than sitting beside it.
            translations = {
                tag: value
                for tag, value in (row["translations"] or {}).items()
                if not same_language(tag, language)
            }
            if text:
                translations[language] = text
            await Evidence.update({Evidence.translations: translations}).where(
                Evidence.id == row["id"]
            )
        await Insight.update(
            {Insight.version: Insight.version + 1, Insight.updated_at: dt.datetime.now(dt.UTC)}
        ).where(Insight.id.is_in(sorted({row["insight"] for row in rows})))
        after = {tag: value for tag, value in before.items() if not same_language(tag, language)}
        if text:
            after[language] = text
        await audit.record(
            actor,
            "update",
            "quote",
            f"{data.story}:{data.start}-{data.end}",
            before={"translations": before},
            after={"translations": after},
            detail={"project": project["slug"], "insights": sorted({r["insight"] for r in rows})},
        )
    listed = await QuoteBank().list(actor, data.project)
    return next(q for q in listed if (q.story, q.start, q.end) == span)
