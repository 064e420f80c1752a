"""What briefings read: agreed insights in a language, with a note when the text falls back."""

from civicfutures.curation.service import agreed_insights_for_briefing
from curation.stories import evidence as cite


async def test_agreed_insights_in_a_language_with_fallback_and_quotes(
    client, admin, curated, insight_body
):
    local = insight_body(
        status="agreed",
        evidence=[cite(curated["pl"], "Żółta ławka", quotable=True)],
        summary={"en": "Summary.", "pl": "Podsumowanie."},
    )
    cross = insight_body(
        site=None,
        status="agreed",
        language="et",
        title={"et": "Noored ei tunne end kuulatuna"},
        summary={"et": "Kokkuvõte."},
        themes=["digital_tools"],
        evidence=[cite(curated["et"], "nende hääl jääb kuulmata", quotable=True)],
    )
    draft = insight_body(title={"en": "Still a draft"})
    for body in (local, cross, draft):
        assert (await client.post("/api/v1/insights", json=body, headers=admin)).status_code == 201

    polish = await agreed_insights_for_briefing("futures", None, "pl")
    assert [(i.title, i.fallback_language) for i in polish] == [
        ("Młodzi czują się niesłyszani", None),
        ("Noored ei tunne end kuulatuna", "et"),
    ]
    first = polish[0]
    assert first.summary == "Podsumowanie." and first.site_name == "Gdańsk"
    assert [(t.key, t.label, t.label_language) for t in first.themes] == [
        ("youth_voice", "Niesłyszalny głos młodych", "pl")
    ]
    assert [(o.key, o.label_language) for o in first.outcomes] == [("youth_heard", "en")]
    [quote] = first.quotes
    assert quote.text == "Żółta ławka" and quote.translation is None  # already in Polish

    english = await agreed_insights_for_briefing("futures", None, "en")
    [quote] = english[0].quotes
    # The story's translation has one sentence to the original's three: nothing is certain to
    # match the excerpt, and the whole story is never offered as the quote's translation.
    assert quote.translation is None
    assert english[1].quotes[0].translation is None  # the Estonian story has no translation

    voru = await agreed_insights_for_briefing("futures", "voru", "en")
    assert [i.title for i in voru] == ["Noored ei tunne end kuulatuna"]
    assert voru[0].sites == ["voru"] and voru[0].stories == 1
