"""Agreed insights for the demo project: four findings with excerpts, mapped to its outcomes.

Loaded after the demo project (`civicfutures.demo.load_demo`), through `InsightService` like
any client's input. Excerpts are given as text and located in the stored story; a text that
is not found is an error in the demo data, not something to skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicfutures.auth.actor import SYSTEM, Actor
from civicfutures.curation import schemas as c
from civicfutures.curation.insight_service import InsightService
from civicfutures.curation.offsets import locate
from civicfutures.db.tables import Insight, Story
from civicfutures.demo import DEMO_SLUG
from civicfutures.intake.setup_service import find_project

# Each insight: fields of `InsightIn`, with its evidence as excerpts:
# (story title, words, quotable, {language: curator's translation}).
INSIGHTS: list[dict[str, Any]] = [
    {
        "site": "gdansk",
        "language": "pl",
        "title": {
            "pl": "Młodzi chcą odpowiedzi, a nie podziękowań",
            "en": "Young people want answers, not thank-you letters",
        },
        "summary": {
            "pl": "Młodzi ludzie poświęcają miesiące na propozycje i nie dowiadują się, co się z nimi stało. W przyszłości widzą radę, która musi publicznie odpowiedzieć na każdy pomysł w określonym czasie.",
            "en": "Young people put months of work into proposals and never learn what became of them. The future they imagine is a council that must answer every proposal in public within a set time.",
        },
        "themes": ["youth_disengagement", "distrust_of_institutions"],
        "outcomes": ["youth_shape_local_decisions", "stronger_trust"],
        "evidence": [
            (
                "Młodzieżowa rada, której nikt nie słuchał",
                "Nikt nie napisał, co z naszych pomysłów wzięto, a czego nie i dlaczego.",
                True,
                {
                    "en": "Nobody wrote to tell us which of our ideas were taken up, which were not, and why."
                },
            ),
            (
                "Młodzieżowa rada, której nikt nie słuchał",
                "Potem przyszło pismo z podziękowaniem za zaangażowanie i tyle.",
                True,
                {},
            ),
            (
                "Gdańsk 2040: rada, w której młodzi mają głos, a nie tylko miejsce",
                "Każdy pomysł zgłoszony przez aplikację miejską dostaje publiczną odpowiedź w ciągu trzydziestu dni, z wyjaśnieniem, co dalej.",
                True,
                {},
            ),
        ],
    },
    {
        "site": "voru",
        "language": "et",
        "title": {
            "et": "Otsused sünnivad kaugel ja külas ei tea keegi, kellega rääkida",
            "en": "Decisions are made far away, and villagers do not know whom to talk to",
        },
        "summary": {
            "et": "Koolid, postkontorid ja apteegid suleti otsustega, mis tehti vallakeskuses või Tallinnas; elanike ettepanekud jõudsid kohale alles siis, kui otsus oli juba valmis.",
            "en": "Schools, post offices and pharmacies closed after decisions taken in the parish centre or in Tallinn; residents' proposals arrived when the decision had already been drafted.",
        },
        "themes": ["decisions_made_far_away", "distrust_of_institutions"],
        "outcomes": ["decisions_shared_locally", "stronger_trust"],
        "evidence": [
            (
                "Meie küla kool pandi kinni",
                "Ametnikud kuulasid viisakalt, aga juba samal nädalal selgus, et otsuse eelnõu oli valmis enne koosolekut.",
                True,
                {},
            ),
            (
                "Otsused tehakse Tallinnas",
                "Praegu on tunne, et meie elu üle otsustab tabel kellegi arvutis.",
                True,
                {
                    "en": "Now it feels as if our lives are decided by a spreadsheet on someone's computer."
                },
            ),
        ],
    },
    {
        "site": "reggio-emilia",
        "language": "it",
        "title": {
            "it": "Chiamati a cucinare, non a decidere",
            "en": "Invited to cook, not to decide",
        },
        "summary": {
            "it": "I residenti con un background migratorio sono benvenuti alle feste e nelle emergenze, ma nessuno li consulta quando si progetta il quartiere; chi è nato in città può non avere diritto di voto.",
            "en": "Residents with a migrant background are welcome at festivals and in emergencies, but nobody consults them when their neighbourhood is planned; people born in the city may still have no vote.",
        },
        "themes": ["migrant_voices_unheard"],
        "outcomes": ["more_inclusive_participation"],
        "evidence": [
            (
                "Invitati solo alla festa dei popoli",
                "Non siamo solo il cibo e la musica, abbiamo anche idee su come dev'essere il quartiere.",
                True,
                {
                    "en": "We are not just the food and the music; we also have ideas about what the neighbourhood should be like."
                },
            ),
            (
                "Nato qui, ma non posso votare",
                "per il Comune sono abbastanza cittadino da dare idee, per lo Stato non abbastanza per votare.",
                True,
                {},
            ),
        ],
    },
    {
        "site": None,
        "language": "en",
        "title": {
            "en": "Online participation leaves out those it most needs to hear",
            "pl": "Uczestnictwo online pomija tych, których najbardziej trzeba usłyszeć",
        },
        "summary": {
            "en": "In Gdańsk, Reggio Emilia and Greater Manchester, forms in one language, digital identity requirements and QR codes kept migrants and older residents out. The stories ask for several languages and for help in person.",
            "pl": "W Gdańsku, Reggio Emilii i Wielkim Manchesterze formularze w jednym języku, wymóg cyfrowej tożsamości i kody QR wykluczały migrantów i starszych mieszkańców. Opowieści proszą o kilka języków i pomoc na miejscu.",
        },
        "themes": ["digital_participation_gap", "bureaucratic_barriers", "migrant_voices_unheard"],
        "outcomes": ["accessible_digital_participation", "more_inclusive_participation"],
        "evidence": [
            (
                "Formularz tylko po polsku",
                "Formularz był tylko po polsku, pełen urzędowych słów, których nie znałam.",
                True,
                {},
            ),
            (
                "Il voto online che nessuno conosceva",
                "Per votare serviva lo SPID, che molti anziani e molti stranieri non hanno.",
                True,
                {},
            ),
            # Its storyteller did not consent to quotation: evidence for research, never quoted.
            (
                "Everything is online now",
                "if you only ask people who are online, you'll get answers from people who are online, and you'll think that's everybody.",
                True,
                {},
            ),
            # Greater Manchester's quotable voice: without it the site's local briefing quoted
            # nobody, its only cited storyteller having refused quotation.
            (
                "Community centres as doorways to the town hall",
                "There is a screen and a trained volunteer, and you can see every decision coming up in your area, in English, Urdu, Polish, Arabic or whatever your language is.",
                True,
                {
                    "pl": "Jest tam ekran i przeszkolony wolontariusz, a każdą decyzję, która dotyczy twojej okolicy, widać po angielsku, w urdu, po polsku, po arabsku czy w jakimkolwiek innym twoim języku."
                },
            ),
        ],
    },
]


@dataclass(frozen=True)
class DemoInsights:
    project: str
    insights: int
    created: bool


async def _evidence(project_id: int, items: list[tuple]) -> list[c.EvidenceIn]:
    found = []
    for title, words, quotable, translations in items:
        story = (
            await Story.select(Story.id, Story.body)
            .where((Story.title == title) & (Story.site.project == project_id))
            .first()
        )
        span = locate(story["body"], words) if story else None
        if span is None:
            raise ValueError(f"demo excerpt not in story {title!r}: {words[:40]!r}")
        found.append(
            c.EvidenceIn(
                story=story["id"],
                start=span[0],
                end=span[1],
                quotable=quotable,
                translations=translations,
            )
        )
    return found


async def load_demo_insights(actor: Actor = SYSTEM, project: str = DEMO_SLUG) -> DemoInsights:
    """Add the demo's agreed insights unless the project has insights already."""
    project_row = await find_project(project)
    if await Insight.exists().where(Insight.project == project_row["id"]):
        return DemoInsights(project=project, insights=len(INSIGHTS), created=False)
    service = InsightService()
    for item in INSIGHTS:
        await service.create(
            actor,
            c.InsightIn(
                **{**item, "evidence": await _evidence(project_row["id"], item["evidence"])},
                project=project,
                status="agreed",
            ),
        )
    return DemoInsights(project=project, insights=len(INSIGHTS), created=True)
