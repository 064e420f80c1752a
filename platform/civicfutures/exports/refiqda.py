"""REFI-QDA exchange files: a whole project (`.qdpx`) or its codebook alone (`.qdc`).

The `.qdpx` is a zip holding `project.qde` (XML, namespace `urn:QDA-XML:project:1.0`) and one
UTF-8 text file per source under `sources/`:
- every story is a `TextSource` in its original language; each translation is a further
  `TextSource` (its description names the original), and both belong to the site's `Set`;
- every coding is a `PlainTextSelection` carrying a `Coding` whose `creatingUser` is the coder
  (a `User`); a coding of a whole story selects the whole text. Positions are the platform's
  offsets: Unicode code points of the NFC text;
- every agreed coding that a theme applies (a reconciled disagreement) is a further
  `PlainTextSelection` whose `creatingUser` is one `User` of its own, "agreed", so the coders'
  own codings stay apart from what they settled;
- the codebook's `Code`s (nested by parent) carry the labels of the chosen language, with the
  description and the theme's key in `Description`;
- storytellers are `Case`s (named by code only when the role may see codes) with their
  demographic attributes as `Variable`s (text values in the chosen language) and `SourceRef`s
  to their stories; stories carry site, kind, language and workshop date as variables;
- the export notes are a project `Note`; each memo is a `Note` too, referred to (`NoteRef`)
  from the story's `TextSource`, the coding's `PlainTextSelection` or the theme's `Code`, and
  written by its author (a `User`). A memo goes only where its story goes.
GUIDs are uuid5 of the project and the object, so the same data gives the same file.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lxml import etree

from civicfutures import __version__
from civicfutures.exports.dataset import ExportData, coding_keys
from civicfutures.exports.labels import ProjectLabels, project_labels, vocabulary
from civicfutures.exports.notes import ExportNotes
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
GUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "https://civicfutures.eu/refi-qda")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
KIND_COLOURS = {
    "challenge": "#C0392B",
    "vision": "#2E86C1",
    "enabler": "#28B463",
    "other": "#7F8C8D",
}
ORIGIN = f"civicfutures {__version__}"


def guid(project: str, *parts: object) -> str:
    """A stable GUID for an object of a project: the same inputs always give the same GUID."""
    return str(uuid.uuid5(GUID_ROOT, "/".join([project, *map(str, parts)])))


class Ids:
    def __init__(self, project: str) -> None:
        self.project = project

    def __call__(self, *parts: object) -> str:
        return guid(self.project, *parts)


def zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


@contextmanager
def _element(xf: Any, tag: str, attrs: dict[str, str] | None = None) -> Iterator[None]:
    with xf.element(tag, {k: v for k, v in (attrs or {}).items() if v is not None}):
        yield


def _leaf(xf: Any, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> None:
    element = etree.Element(tag, {k: v for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        element.text = text
    xf.write(element)


def _codes(
    xf: Any,
    ids: Ids,
    labels: ProjectLabels,
    with_kind: dict[str, str],
    notes_of: dict[str, list[str]] | None = None,
) -> None:
    """The codebook as nested `Code` elements (children under their parent), each referring
    to its memos (`notes_of`: theme key → note GUIDs)."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    keys = {theme["key"] for theme in labels.themes}
    for theme in labels.themes:
        parent = theme["parent"] if theme["parent"] in keys else None
        children.setdefault(parent, []).append(theme)

    def write(theme: dict[str, Any]) -> None:
        attrs = {
            "guid": ids("code", theme["key"]),
            "name": labels.theme(theme),
            "isCodable": "true",
            "color": KIND_COLOURS.get(theme["kind"], KIND_COLOURS["other"]),
        }
        with _element(xf, "Code", attrs):
            description = labels.theme_description(theme)
            footer = f"{theme['key']} · {with_kind.get(theme['kind'], theme['kind'])}"
            _leaf(xf, "Description", text=f"{description}\n\n{footer}" if description else footer)
            _note_refs(xf, (notes_of or {}).get(theme["key"], []))
            for child in children.get(theme["key"], []):
                write(child)

    with _element(xf, "Codes"):
        for theme in children.get(None, []):
            write(theme)


def _note_refs(xf: Any, guids: list[str]) -> None:
    for note in guids:
        _leaf(xf, "NoteRef", {"targetGUID": note})


def write_qdc(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    """The codebook alone, as a REFI-QDA codebook (`.qdc`)."""
    labels = project_labels(notes.lang, data.project, data.themes)
    ids = Ids(data.project["slug"])
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration(standalone=True)
        with xf.element("CodeBook", {"origin": ORIGIN}, nsmap={None: CODEBOOK_NS}):
            _codes(xf, ids, labels, vocabulary("theme_kind", notes.lang))


def _source_text_name(source_guid: str) -> str:
    return f"{source_guid}.txt"


def _variable_value(xf: Any, variable_guid: str, kind: str, value: str) -> None:
    with _element(xf, "VariableValue"):
        _leaf(xf, "VariableRef", {"targetGUID": variable_guid})
        _leaf(xf, kind, text=value)


def write_qdpx(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    """The whole project as a REFI-QDA project (`.qdpx`)."""
    lang = notes.lang
    slug = data.project["slug"]
    ids = Ids(slug)
    labels = project_labels(lang, data.project, data.themes)
    stories = data.stories.sort("story_id").collect()
    codings = (
        coding_keys(data.codings).sort("story_id", "start", "theme", "coder", "coding_id").collect()
    )
    translations = data.translations.sort("story_id", "language", "origin").collect()
    links = data.links.sort("storyteller_id", "story_id").collect()
    tellers = data.storytellers.sort("storyteller_id").collect()
    demographics = data.demographics.collect()
    sites = {s["id"]: s for s in data.scope.sites}
    story_kinds = vocabulary("story_kind", lang)
    origins = vocabulary("origin", lang)
    with use_locale(lang):
        unnamed_coder = _("Unnamed coder")
        storyteller_word = _("Storyteller")
        translation_of = _("Translation of “{title}” (story {id}), {origin}.")
        variable_names = {
            "site": _("Site"),
            "story_kind": _("Kind of story"),
            "language": _("Language"),
            "workshop_date": _("Date of the workshop"),
            "horizon_year": _("Horizon year of a vision"),
        }
        agreed_name = _("Agreed codings")
        notes_title = _("Export notes")
        memo_word = _("Memo")

    exported = set(stories["story_id"].to_list())
    selections = set(codings["coding_id"].to_list())
    theme_keys = {theme["key"] for theme in labels.themes}
    memos = [
        memo
        for memo in data.memos
        if (
            memo["story_id"] in exported
            and (memo["coding"] is None or memo["coding"] in selections)
        )
        or (memo["story_id"] is None and memo["theme"] in theme_keys)
    ]
    story_notes: dict[int, list[str]] = {}
    selection_notes: dict[str, list[str]] = {}
    theme_notes: dict[str, list[str]] = {}
    for memo in memos:
        note = ids("memo", memo["id"])
        if memo["coding"] is not None:
            selection_notes.setdefault(memo["coding"], []).append(note)
        elif memo["story_id"] is not None:
            story_notes.setdefault(memo["story_id"], []).append(note)
        else:
            theme_notes.setdefault(memo["theme"], []).append(note)
    coders = sorted(set(codings["coder"].to_list()) | {memo["author"] for memo in memos})
    user_guid = {coder: ids("user", coder) for coder in coders}
    agreed_of: dict[int, list[dict[str, Any]]] = {}
    for agreed in data.agreed:
        if agreed["story_id"] in exported:
            agreed_of.setdefault(agreed["story_id"], []).append(agreed)
    agreed_user = ids("agreed-user")
    attr_values: dict[int, dict[str, str]] = {}
    for row in demographics.iter_rows(named=True):
        attr_values.setdefault(row["storyteller_id"], {})[row["attribute"]] = row["value"]
    choices = {a["name"]: labels.choices(a) for a in data.attributes}
    tellers_of: dict[int, list[int]] = {}
    for row in links.iter_rows(named=True):
        tellers_of.setdefault(row["storyteller_id"], []).append(row["story_id"])
    translations_of: dict[int, list[dict[str, Any]]] = {}
    for row in translations.iter_rows(named=True):
        translations_of.setdefault(row["story_id"], []).append(row)
    codings_of: dict[int, list[dict[str, Any]]] = {}
    for row in codings.iter_rows(named=True):
        codings_of.setdefault(row["story_id"], []).append(row)

    def translation_guid(t: dict[str, Any]) -> str:
        return ids("story", t["story_id"], "translation", t["language"], t["origin"])

    with zipfile.ZipFile(path, "w") as archive:
        # Source texts first: one UTF-8 file per story and per translation.
        for story in stories.iter_rows(named=True):
            archive.writestr(
                zip_entry(f"sources/{_source_text_name(ids('story', story['story_id']))}"),
                story["body"].encode("utf-8"),
            )
            for t in translations_of.get(story["story_id"], []):
                archive.writestr(
                    zip_entry(f"sources/{_source_text_name(translation_guid(t))}"),
                    t["body"].encode("utf-8"),
                )
        with (
            archive.open(zip_entry("project.qde"), "w") as stream,
            etree.xmlfile(stream, encoding="utf-8") as xf,
        ):
            xf.write_declaration(standalone=True)
            project_attrs = {"name": data.project["name"], "origin": ORIGIN}
            with xf.element("Project", project_attrs, nsmap={None: PROJECT_NS}):
                if coders or agreed_of:
                    with _element(xf, "Users"):
                        for coder in coders:
                            _leaf(
                                xf,
                                "User",
                                {
                                    "guid": user_guid[coder],
                                    "name": coder or unnamed_coder,
                                    "id": coder or None,
                                },
                            )
                        if agreed_of:
                            _leaf(
                                xf,
                                "User",
                                {"guid": agreed_user, "name": agreed_name, "id": "agreed"},
                            )
                if data.themes:
                    with _element(xf, "CodeBook"):
                        _codes(xf, ids, labels, vocabulary("theme_kind", lang), theme_notes)
                with _element(xf, "Variables"):
                    for attribute in data.attributes:
                        _leaf(
                            xf,
                            "Variable",
                            {
                                "guid": ids("variable", "attribute", attribute["name"]),
                                "name": labels.attribute(attribute),
                                "typeOfVariable": "Text",
                            },
                        )
                    for key, name in variable_names.items():
                        kind = {"workshop_date": "Date", "horizon_year": "Integer"}.get(key, "Text")
                        _leaf(
                            xf,
                            "Variable",
                            {"guid": ids("variable", key), "name": name, "typeOfVariable": kind},
                        )
                if tellers.height:
                    with _element(xf, "Cases"):
                        for teller in tellers.iter_rows(named=True):
                            tid = teller["storyteller_id"]
                            name = teller.get("code") or f"{storyteller_word} {tid}"
                            with _element(
                                xf, "Case", {"guid": ids("storyteller", tid), "name": name}
                            ):
                                values = attr_values.get(tid, {})
                                for attribute in data.attributes:
                                    value = values.get(attribute["name"])
                                    if value is None:
                                        continue
                                    _variable_value(
                                        xf,
                                        ids("variable", "attribute", attribute["name"]),
                                        "TextValue",
                                        choices[attribute["name"]].get(value, value),
                                    )
                                for story_id in tellers_of.get(tid, []):
                                    _leaf(xf, "SourceRef", {"targetGUID": ids("story", story_id)})
                if stories.height:
                    with _element(xf, "Sources"):
                        for story in stories.iter_rows(named=True):
                            sid = story["story_id"]
                            site = sites.get(story["site_id"], {})
                            source_guid = ids("story", sid)
                            attrs = {
                                "guid": source_guid,
                                "name": f"{sid} · {story['title'] or '—'}",
                                "plainTextPath": f"internal://{_source_text_name(source_guid)}",
                            }
                            with _element(xf, "TextSource", attrs):
                                _leaf(
                                    xf,
                                    "Description",
                                    text=f"{site.get('name', '')} · {story_kinds.get(story['kind'], story['kind'])} · {story['language']}",
                                )
                                for coding in codings_of.get(sid, []):
                                    whole = coding["start"] is None or coding["end"] is None
                                    start = 0 if whole else coding["start"]
                                    end = len(story["body"]) if whole else coding["end"]
                                    creator = user_guid[coding["coder"]]
                                    sel = {
                                        "guid": ids("coding", coding["coding_id"]),
                                        "name": story["body"][start:end][:60],
                                        "startPosition": str(start),
                                        "endPosition": str(end),
                                        "creatingUser": creator,
                                    }
                                    with _element(xf, "PlainTextSelection", sel):
                                        cattrs = {
                                            "guid": ids("coding", coding["coding_id"], "code"),
                                            "creatingUser": creator,
                                        }
                                        with _element(xf, "Coding", cattrs):
                                            _leaf(
                                                xf,
                                                "CodeRef",
                                                {"targetGUID": ids("code", coding["theme"])},
                                            )
                                        _note_refs(xf, selection_notes.get(coding["coding_id"], []))
                                for agreed in agreed_of.get(sid, []):
                                    whole = agreed["start"] is None or agreed["end"] is None
                                    start = 0 if whole else agreed["start"]
                                    end = len(story["body"]) if whole else agreed["end"]
                                    sel = {
                                        "guid": ids("agreed", agreed["id"]),
                                        "name": story["body"][start:end][:60],
                                        "startPosition": str(start),
                                        "endPosition": str(end),
                                        "creatingUser": agreed_user,
                                    }
                                    with _element(xf, "PlainTextSelection", sel):
                                        cattrs = {
                                            "guid": ids("agreed", agreed["id"], "code"),
                                            "creatingUser": agreed_user,
                                        }
                                        with _element(xf, "Coding", cattrs):
                                            _leaf(
                                                xf,
                                                "CodeRef",
                                                {"targetGUID": ids("code", agreed["theme"])},
                                            )
                                _note_refs(xf, story_notes.get(sid, []))
                                _variable_value(
                                    xf, ids("variable", "site"), "TextValue", site.get("name", "")
                                )
                                _variable_value(
                                    xf,
                                    ids("variable", "story_kind"),
                                    "TextValue",
                                    story_kinds.get(story["kind"], story["kind"]),
                                )
                                _variable_value(
                                    xf, ids("variable", "language"), "TextValue", story["language"]
                                )
                                if story["date"] is not None:
                                    _variable_value(
                                        xf,
                                        ids("variable", "workshop_date"),
                                        "DateValue",
                                        story["date"].isoformat(),
                                    )
                                if story["horizon_year"] is not None:
                                    _variable_value(
                                        xf,
                                        ids("variable", "horizon_year"),
                                        "IntegerValue",
                                        str(story["horizon_year"]),
                                    )
                            for t in translations_of.get(sid, []):
                                tguid = translation_guid(t)
                                tattrs = {
                                    "guid": tguid,
                                    "name": f"{sid} · {t['title'] or story['title'] or '—'} [{t['language']}]",
                                    "plainTextPath": f"internal://{_source_text_name(tguid)}",
                                }
                                with _element(xf, "TextSource", tattrs):
                                    _leaf(
                                        xf,
                                        "Description",
                                        text=translation_of.format(
                                            title=story["title"],
                                            id=sid,
                                            origin=origins.get(t["origin"], t["origin"]),
                                        ),
                                    )
                                    _variable_value(
                                        xf, ids("variable", "language"), "TextValue", t["language"]
                                    )
                note = {"guid": ids("note", "export"), "name": notes_title}
                with _element(xf, "Notes"):
                    with _element(xf, "Note", note):
                        _leaf(xf, "PlainTextContent", text="\n".join(notes.sentences()))
                    for memo in memos:
                        mattrs = {
                            "guid": ids("memo", memo["id"]),
                            "name": f"{memo_word} {memo['id']}",
                            "creatingUser": user_guid[memo["author"]],
                        }
                        with _element(xf, "Note", mattrs):
                            _leaf(xf, "PlainTextContent", text=memo["text"])
                if stories.height:
                    with _element(xf, "Sets"):
                        by_site: dict[int, list[int]] = {}
                        for story in stories.iter_rows(named=True):
                            by_site.setdefault(story["site_id"], []).append(story["story_id"])
                        for site_id, story_ids in sorted(by_site.items()):
                            site = sites.get(site_id, {"slug": str(site_id), "name": str(site_id)})
                            with _element(
                                xf,
                                "Set",
                                {"guid": ids("set", "site", site["slug"]), "name": site["name"]},
                            ):
                                for sid in story_ids:
                                    _leaf(xf, "MemberSource", {"targetGUID": ids("story", sid)})
                                    for t in translations_of.get(sid, []):
                                        _leaf(
                                            xf, "MemberSource", {"targetGUID": translation_guid(t)}
                                        )
                _leaf(xf, "Description", text=data.project["name"])
                _leaf(xf, "NoteRef", {"targetGUID": ids("note", "export")})
