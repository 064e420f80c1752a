"""REFI-QDA exports: the schema of the standard, an independent importer, stable GUIDs."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

DATA = Path(__file__).parent / "data"
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / name)))


def project_xml(path: Path) -> etree._ElementTree:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde")).getroottree()


async def test_qdpx_passes_the_refi_qda_schema_and_carries_the_project(demo, token_for, download):
    researcher = await token_for("researcher")
    response, path = await download("qdpx", researcher, lang="pl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="euarenas-futures-pl-qdpx.qdpx"' in response.headers["content-disposition"]
    tree = project_xml(path)
    validator = schema("refi-qda-project.xsd")
    assert validator.validate(tree), validator.error_log

    # 39 consented stories as sources in their original language, plus their translations.
    originals = [s for s in tree.iterfind("q:Sources/q:TextSource", NS) if "[" not in s.get("name")]
    assert len(originals) == 39
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for source in tree.iterfind("q:Sources/q:TextSource", NS):
            internal = source.get("plainTextPath").removeprefix("internal://")
            assert f"sources/{internal}" in names
        first = archive.read(f"sources/{originals[0].get('plainTextPath')[11:]}").decode()
    assert first.startswith("Przez dwa lata byłam w Młodzieżowej Radzie Miasta.")
    translations = [
        s for s in tree.iterfind("q:Sources/q:TextSource", NS) if "[en]" in s.get("name")
    ]
    assert translations

    # Codes carry the Polish labels; every coding points to a code and to its coder.
    codes = {c.get("guid"): c.get("name") for c in tree.iterfind(".//q:Code", NS)}
    assert "Brak zaangażowania młodzieży" in codes.values()
    users = {u.get("guid"): u.get("name") for u in tree.iterfind("q:Users/q:User", NS)}
    assert {"coder-a", "coder-b"} <= set(users.values())
    selections = tree.findall(".//q:PlainTextSelection", NS)
    assert selections
    for selection in selections:
        coding = selection.find("q:Coding", NS)
        assert coding.find("q:CodeRef", NS).get("targetGUID") in codes
        assert coding.get("creatingUser") in users
    excerpt = "Na sesji rady dostaliśmy pięć minut na samym końcu, kiedy połowa radnych już wyszła."
    assert any(s.get("name") == excerpt[:60] for s in selections)

    # Storytellers are cases with demographic variables; a researcher sees no codes by default.
    cases = tree.findall("q:Cases/q:Case", NS)
    assert cases and not any(c.get("name").startswith("GDA-") for c in cases)
    variables = {v.get("name") for v in tree.iterfind("q:Variables/q:Variable", NS)}
    assert {"Przedział wieku", "Płeć", "Doświadczenie migracji"} <= variables
    assert "Kobieta" in {t.text for t in tree.iterfind(".//q:Case/q:VariableValue/q:TextValue", NS)}


async def test_qdpx_is_byte_for_byte_reproducible(demo, admin, download, tmp_path):
    _, first = await download("qdpx", admin, lang="it")
    again = first.read_bytes()
    _, second = await download("qdpx", admin, lang="it")
    assert second.read_bytes() == again


async def test_qdpx_and_qdc_open_in_a_refi_qda_importer(demo, admin, download, tmp_path):
    import pyrefiqda

    _, path = await download("qdpx", admin, lang="it")
    project = pyrefiqda.RefiProject.load(path, extract_dir=str(tmp_path / "unzipped"))
    assert len(project.sources.text_source) > 39
    assert project.code_book.codes.code
    _, qdc = await download("qdc", admin, lang="it")
    codebook = pyrefiqda.RefiCodebook.load(qdc)
    names = [code.name for code in codebook.codes.code]
    assert "Disimpegno dei giovani" in names


async def test_qdc_passes_the_codebook_schema_with_labels_of_the_language(demo, admin, download):
    response, path = await download("qdc", admin, lang="et")
    assert response.status_code == 200
    tree = etree.parse(str(path))
    validator = schema("refi-qda-codebook.xsd")
    assert validator.validate(tree), validator.error_log
    names = [c.get("name") for c in tree.iterfind(".//c:Code", NS)]
    assert len(names) == len(demo["themes"])
    assert "Noorte eemalejäämine" in names


def test_guids_are_stable_and_distinct():
    from civicfutures.exports.refiqda import guid

    assert guid("p", "story", 1) == guid("p", "story", 1)
    assert guid("p", "story", 1) != guid("q", "story", 1) != guid("p", "story", 2)


async def test_a_researcher_who_asks_gets_codes_as_case_names(demo, token_for, download):
    researcher = await token_for("researcher")
    _, path = await download("qdpx", researcher, include_codes="true")
    cases = {c.get("name") for c in project_xml(path).iterfind("q:Cases/q:Case", NS)}
    assert "GDA-01" in cases
    assert "GDA-08" not in cases  # no research consent: neither the case nor its stories


async def test_qdpx_selections_are_exactly_the_codings_and_the_agreed_ones_apart(
    demo, admin, download
):
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.coding.agreed import AgreedCodingService
    from civicfutures.coding.schemas import AgreedCreate
    from civicfutures.db.tables import Coding, Story

    stories = {r["id"]: r["body"] for r in await Story.select(Story.id, Story.body)}
    first, second = sorted(stories)[:2]
    word = stories[first].split()[0]
    service = AgreedCodingService()
    await service.create(
        SYSTEM, first, AgreedCreate(theme=demo_theme(demo), start=0, end=len(word))
    )
    await service.create(SYSTEM, second, AgreedCreate(theme=demo_theme(demo)))
    await service.create(SYSTEM, second, AgreedCreate(theme=demo_theme(demo, 1), applies=False))
    _response, path = await download("qdpx", admin)
    tree = project_xml(path)
    users = {u.get("guid"): u.get("id") for u in tree.iterfind("q:Users/q:User", NS)}
    codes = {c.get("guid"): c for c in tree.iterfind(".//q:Code", NS)}

    def key_of(code_guid: str) -> str:
        return codes[code_guid].find("q:Description", NS).text.rsplit("\n", 1)[-1].split(" · ")[0]

    found, agreed = set(), set()
    for source in tree.iterfind("q:Sources/q:TextSource", NS):
        story = int(source.get("name").split(" · ")[0])
        for selection in source.iterfind("q:PlainTextSelection", NS):
            coding = selection.find("q:Coding", NS)
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            row = (story, key_of(coding.find("q:CodeRef", NS).get("targetGUID")), start, end)
            assert selection.get("name") == stories[story][start:end][:60]
            if users[selection.get("creatingUser")] == "agreed":
                agreed.add(row)
            else:
                found.add((*row, users[selection.get("creatingUser")]))
    exported = {story for story, *_rest in found} | {story for story, *_rest in agreed}
    expected = set()
    for row in await Coding.select(
        Coding.story,
        Coding.theme.key,
        Coding.coder,
        Coding.translation,
        Coding.start_offset,
        Coding.end_offset,
    ):
        if row["story"] not in exported:
            continue
        whole = row["translation"] or row["start_offset"] is None
        start, end = (
            (0, len(stories[row["story"]])) if whole else (row["start_offset"], row["end_offset"])
        )
        expected.add((row["story"], row["theme.key"], start, end, row["coder"]))
    assert found == expected
    # The agreed codings that a theme applies, and nothing that it does not.
    assert agreed == {
        (first, demo_theme(demo), 0, len(word)),
        (second, demo_theme(demo), 0, len(stories[second])),
    }


def demo_theme(demo: dict, n: int = 0) -> str:
    return sorted(theme["key"] for theme in demo["themes"])[n]
