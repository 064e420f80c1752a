"""The archive's Atom feed (RFC 4287) and sitemap (sitemaps.org), as bytes from plain data.

Entry ids are the stories' share links, which never change: a reader that saw an entry once
recognises it again, whatever language it was first read in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from civicfutures.archive.service import PublicProject, PublicStory, SitemapEntry

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SUMMARY_LENGTH = 400
# A sitemap file holds at most 50,000 addresses (sitemaps.org); past that, an index of them.
SITEMAP_MAX = 50_000
# A feed with no entry yet still needs an `updated`; the project's own start is not public.
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def share_link(base: str, project: str, story: int) -> str:
    """The story's address in no particular language: it answers in the reader's."""
    return f"{base}/archive/{project}/stories/{story}"


def _stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _summary(body: str) -> str:
    if len(body) <= SUMMARY_LENGTH:
        return body
    cut = body.rfind(" ", 0, SUMMARY_LENGTH)
    return body[: cut if cut > SUMMARY_LENGTH // 2 else SUMMARY_LENGTH] + "…"


def atom_feed(
    base: str,
    lang: str,
    project: PublicProject,
    title: str,
    self_link: str,
    stories: Iterable[PublicStory],
    untitled: str,
) -> bytes:
    """The feed of `stories` (newest first); `title` and `untitled` are already localized."""
    ET.register_namespace("", ATOM)
    stories = list(stories)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/archive/{project.slug}/feed.atom"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = max((story.updated_at for story in stories), default=EPOCH)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = project.name
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_link})
    ET.SubElement(
        feed,
        f"{{{ATOM}}}link",
        {"rel": "alternate", "type": "text/html", "href": f"{base}/{lang}/archive/{project.slug}"},
    )
    for story in stories:
        link = share_link(base, project.slug, story.id)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link
        ET.SubElement(entry, f"{{{ATOM}}}title", {XML_LANG: story.language}).text = (
            story.title or untitled
        )
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(story.updated_at)
        ET.SubElement(
            entry,
            f"{{{ATOM}}}link",
            {
                "rel": "alternate",
                "type": "text/html",
                "href": f"{base}/{lang}/archive/{project.slug}/stories/{story.id}",
            },
        )
        for theme in story.themes:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": theme.key, "label": theme.label})
        ET.SubElement(
            entry, f"{{{ATOM}}}summary", {"type": "text", XML_LANG: story.language}
        ).text = _summary(story.body)
        ET.SubElement(
            entry, f"{{{ATOM}}}content", {"type": "text", XML_LANG: story.language}
        ).text = story.body
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _urls(
    base: str, languages: list[str], entries: Iterable[SitemapEntry]
) -> list[tuple[str, dt.datetime | None]]:
    urls = []
    for entry in entries:
        for lang in languages:
            path = f"/{lang}/archive/{entry.project}"
            if entry.story is not None:
                path += f"/stories/{entry.story}"
            urls.append((base + path, entry.updated_at))
    return urls


def sitemap(
    base: str,
    languages: Iterable[str],
    entries: Iterable[SitemapEntry],
    page: int | None = None,
    limit: int = SITEMAP_MAX,
) -> bytes | None:
    """Every public page in every page language, archive pages first: one sitemap while they
    fit in `limit` addresses, else an index of numbered sitemaps (`?page=N`); None for a page
    number past the last."""
    urls = _urls(base, list(languages), entries)
    pages = max(1, -(-len(urls) // limit))
    if page is None and pages > 1:
        ET.register_namespace("", SITEMAP)
        index = ET.Element(f"{{{SITEMAP}}}sitemapindex")
        for number in range(1, pages + 1):
            item = ET.SubElement(index, f"{{{SITEMAP}}}sitemap")
            ET.SubElement(item, f"{{{SITEMAP}}}loc").text = f"{base}/sitemap.xml?page={number}"
        return ET.tostring(index, encoding="utf-8", xml_declaration=True)
    number = page or 1
    if not 1 <= number <= pages:
        return None
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for loc, updated_at in urls[(number - 1) * limit : number * limit]:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = loc
        if updated_at is not None:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = _stamp(updated_at)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
