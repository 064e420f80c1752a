"""The demo's agreed insights: from stories to quotes mapped to outcomes, per site."""

from civicfutures.auth.actor import SYSTEM
from civicfutures.curation.demo import load_demo_insights
from civicfutures.curation.quotes import QuoteBank
from civicfutures.curation.service import agreed_insights_for_briefing, theory_of_change_table


async def test_demo_insights_load_once_and_fill_the_theory_of_change(demo):
    assert (await load_demo_insights()).created
    assert not (await load_demo_insights()).created
    rows = {row.outcome: row for row in await theory_of_change_table("euarenas-futures", "en")}
    assert rows["stronger_trust"].stories == 4
    assert rows["stronger_trust"].sites == ["Gdańsk", "Võru"]
    assert rows["accessible_digital_participation"].sites_without_evidence == ["Võru"]
    assert rows["more_inclusive_participation"].stories == 6

    quotes = await QuoteBank().list(SYSTEM, "euarenas-futures")
    # Ten excerpts are marked quotable; one storyteller did not consent to quotation.
    assert len(quotes) == 10
    assert all("everybody" not in q.text for q in quotes)

    gdansk = await agreed_insights_for_briefing("euarenas-futures", "gdansk", "en")
    assert [i.title for i in gdansk] == [
        "Young people want answers, not thank-you letters",
        "Online participation leaves out those it most needs to hear",
    ]
    first = gdansk[0].quotes[0]
    assert first.translation.scope == "excerpt" and first.translation.text.startswith(
        "Nobody wrote"
    )
    italian = await agreed_insights_for_briefing("euarenas-futures", "voru", "it")
    assert italian[0].fallback_language == "et"
