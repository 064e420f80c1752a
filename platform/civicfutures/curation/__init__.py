"""Curation: Theory-of-Change outcomes, insights with evidence, the quote bank.

Between counting themes and publishing a briefing a team reads stories, writes insights,
picks quotes and maps insights to the outcomes of its Theory of Change.

Who does what:
- Authors and admins create and change outcomes, write any insight (a site's or cross-site)
  and are the only ones who may mark an insight `agreed` or change an agreed one.
- Researchers read every insight, the quote bank and the Theory of Change; they write nothing.
- Partners read and draft insights of their own sites only: they may create and edit `draft`
  insights whose site is one of theirs and cite that site's stories. They never see
  cross-site insights (site null); another site's insight or story answers 404, exactly
  like a missing one. Their quote bank and Theory of Change are limited to what they read.

Evidence is an excerpt of a story's original text: code-point offsets into the NFC body,
cut only between grapheme clusters (`offsets.py`), with the cited text stored so that an edit
of the story re-anchors it or is refused (`anchoring.py`). Consent is read at every request
(`consent.py`): a withdrawal removes the excerpt from the quote bank and from every insight
at once; insights then report how many excerpts were withdrawn, never their text.
"""
