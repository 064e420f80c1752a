"""The story page `/{lang}/stories/{id}`: one story as every role that may read it sees it.

HTTP only: the view is assembled by `StoryViewService` under the one consent rule, so a story
the reader may not see is the same 404 page as an unknown id.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from civicfutures.auth.actor import Actor
from civicfutures.coding.schemas import Suggestions
from civicfutures.coding.suggestions import SuggestionService
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.tables import Theme
from civicfutures.db.version import data_version
from civicfutures.errors import FieldError, InvalidInput, NotFound, Problem, TooLarge
from civicfutures.forms.definitions import (
    Choice,
    scope_label,
    status_label,
    story_kind_label,
    theme_choices,
    workshop_kind_label,
)
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake import schemas as s
from civicfutures.intake.story_service import StoryService
from civicfutures.intake.story_view import StoryView, StoryViewService
from civicfutures.recordings.service import MediaOut, RecordingService, megabytes
from civicfutures.settings import get_settings
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import page

READERS = page_requires("partner", "researcher", "author")


async def saved_story(actor: Actor, saved: str | None) -> s.StoryOut | None:
    """The story named by `?saved=ID` after a save, if the reader may still read it."""
    if not saved or not saved.isdigit():
        return None
    try:
        return await StoryService().get(actor, int(saved))
    except NotFound:
        return None


async def theme_options(
    project_id: int, labels: LabelContext, *, include_retired: bool = False
) -> list[dict[str, str]]:
    """The codebook for the coding picker: each theme's label in the reader's language and its
    labels in every other language, so type-ahead finds a theme by any of its names. Retired
    themes take no new codings, so the picker leaves them out unless asked."""
    themes, _groups = await theme_choices(project_id, labels)
    rows = (
        await Theme.select(Theme.key, Theme.labels, Theme.retired_at)
        .output(load_json=True)
        .where(Theme.project == project_id)
    )
    all_labels = {row["key"]: row["labels"] or {} for row in rows}
    retired = {row["key"] for row in rows if row["retired_at"] is not None}
    options = []
    for choice in themes:
        if choice.value in retired and not include_retired:
            continue
        others = [
            text
            for tag, text in sorted(all_labels.get(choice.value, {}).items())
            if text and text != choice.label
        ]
        options.append(
            {
                "key": choice.value,
                "label": choice.label,
                "label_language": choice.label_language or "",
                "search": " · ".join(dict.fromkeys([choice.label, *others])),
            }
        )
    return options


@dataclass(frozen=True)
class StoryReads:
    """Everything the story page reads from the database for one reader."""

    view: StoryView
    themes: dict[str, Choice]
    theme_options: list[dict[str, str]]
    can_write: bool
    media: list[MediaOut]
    suggestions: Suggestions | None


# The story page's reads per (story, interface language, reader) and data version. Every table
# they come from bumps the data version when written (the stories and their tellers, consent,
# codings, done marks, agreed codings, memos, rejected suggestions, recordings; a story's
# history is written with its row), so a kept read is exact until the next write, in every
# process. The reader is part of the key: blind coding, done marks, memos and suggestions are
# the reader's own. A reader who may not read the story gets NotFound and nothing is kept.
_READS: KeptByVersion[StoryReads] = KeptByVersion(capacity=512)


async def _story_reads(actor: Actor, lang: str, story_id: int) -> tuple[Hashable, StoryReads]:
    """The reads, and the key that names them at this data version (for the kept rendering)."""
    version = await data_version()
    key = (story_id, lang, current_locale(), actor.user_id, actor.access)
    kept = await _READS.get_or_derive(key, version, lambda: _read_story(actor, lang, story_id))
    return (key, version), kept


async def _read_story(actor: Actor, lang: str, story_id: int) -> StoryReads:
    view = await StoryViewService().view(actor, story_id)
    labels = LabelContext(
        tag=lang,
        site_languages=tuple(view.site.languages),
        project_default=view.project["default_language"],
    )
    themes, _groups = await theme_choices(view.project["id"], labels)
    can_write = actor.writes_site(view.site.id)
    return StoryReads(
        view=view,
        themes={c.value: c for c in themes},
        theme_options=await theme_options(view.project["id"], labels),
        can_write=can_write,
        media=await RecordingService().of_story(actor, story_id) if can_write else [],
        suggestions=(await SuggestionService().suggest(actor, story_id) if view.may_code else None),
    )


async def render_story(
    request: Request,
    lang: str,
    story_id: int,
    *,
    errors: Sequence[FieldError] = (),
    values: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
    reconcile: str | None = None,
    memo_errors: Sequence[FieldError] = (),
    agreed_errors: Sequence[FieldError] = (),
    media_errors: Sequence[FieldError] = (),
) -> Template:
    """The story page; a refused coding form comes back with its errors and values.

    `reconcile` names a theme whose coders' excerpts are set side by side to agree on."""
    actor = current_actor(request)
    key, read = await _story_reads(actor, lang, story_id)
    view, themes = read.view, read.themes
    content = {
        "view": view,
        "story": view.story,
        "themes": themes,
        "theme_options": read.theme_options,
        "can_write": read.can_write,
        "media": read.media,
        "media_errors": list(media_errors),
        "is_admin": actor.is_admin,
        "coding_errors": list(errors),
        "coding_values": values or {},
        "notice": notice,
        "reconcile": reconcile if reconcile in themes else None,
        "memo_errors": list(memo_errors),
        "agreed_errors": list(agreed_errors),
        "suggestions": read.suggestions,
        "story_kind_label": story_kind_label,
        "status_label": status_label,
        "workshop_kind_label": workshop_kind_label,
        "scope_label": scope_label,
    }
    # The plain page (no notice, no refused form, nothing to reconcile) is the same for every
    # request of this reader at this data version: rendered once, kept (`web/kept_fragments`).
    plain = not (
        errors or values or notice or content["reconcile"] or memo_errors or agreed_errors
    ) and not (media_errors or status_code != 200)
    return page(
        "pages/story.html",
        status_code=status_code,
        story=view.story,
        content=content,
        kept_key=key if plain else None,
    )


class StoryPages(Controller):
    path = "/stories/{story_id:int}"
    guards = [READERS]
    include_in_schema = False

    @get("/", name="story_page")
    async def story(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Template:
        notices = {
            "coded": _("The coding is saved."),
            "changed": _("The coding is changed."),
            "removed": _("The coding is removed."),
            "done": _("Your coding of this story is marked done."),
            "reopened": _("Your coding of this story is open again."),
            "agreed": _("The agreed coding is saved."),
            "unagreed": _("The agreed coding is removed."),
            "memo": _("The memo is saved."),
            "memo-removed": _("The memo is removed."),
            "rejected": _("The suggested theme will not be suggested to you for this story again."),
            "recording": _("The recording is saved."),
            "subtitles": _("The subtitles are saved."),
        }
        # "Code an excerpt" of a suggested theme: the coding form comes with the theme chosen.
        code = request.query_params.get("code", "")[:64]
        return await render_story(
            request,
            lang,
            story_id,
            values={"theme": code} if code else None,
            notice=notices.get(request.query_params.get("saved", "")),
            reconcile=request.query_params.get("reconcile") or None,
        )

    @post(
        "/recording",
        name="story_recording",
        status_code=200,
        # Counted against CIVICFUTURES_RECORDING_MAX_BYTES below and in the service.
        request_max_body_size=None,
    )
    async def upload_recording(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Redirect | Template:
        """The recording chosen on the story page, kept like one sent to the API."""
        actor = current_actor(request)
        await RecordingService().check_writable(actor, story_id)
        try:
            _check_declared_size(request)
            form = await request.form()
            upload = form.get("recording")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [FieldError("recording", _("Choose the recording to upload."))],
                )
            await RecordingService().upload_recording(actor, story_id, _chunks_of(upload))
        except Problem as refused:
            if not refused.errors:
                raise
            return await render_story(
                request,
                lang,
                story_id,
                media_errors=refused.errors,
                status_code=refused.status_code,
            )
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=recording#recording-heading", status_code=303
        )

    @post("/subtitles", name="story_subtitles", status_code=200)
    async def upload_subtitles(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Redirect | Template:
        """Subtitles in one language chosen on the story page."""
        actor = current_actor(request)
        await RecordingService().check_writable(actor, story_id)
        try:
            form = await request.form()
            upload = form.get("subtitles")
            language = str(form.get("language") or "")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [FieldError("subtitles", _("Choose the subtitles file (WebVTT) to upload."))],
                )
            await RecordingService().put_subtitles(actor, story_id, language, await upload.read())
        except Problem as refused:
            if not refused.errors:
                raise
            return await render_story(
                request,
                lang,
                story_id,
                # The API's path parameter `lang` is this form's field `language`.
                media_errors=[
                    FieldError("language", e.message) if e.field == "lang" else e
                    for e in refused.errors
                ],
                status_code=refused.status_code,
            )
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=subtitles#recording-heading", status_code=303
        )


# A multipart form's own parts (boundaries, the CSRF token) beside the file.
FORM_OVERHEAD = 64 * 1024


def _check_declared_size(request: Request) -> None:
    """Refuse a form larger than a recording may be before reading it: the form parser keeps
    the body in memory."""
    limit = get_settings().recording_max_bytes
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > limit + FORM_OVERHEAD:
        raise TooLarge(
            _("The recording is too large."),
            [
                FieldError(
                    "recording",
                    _("A recording may be at most {size} MB.").format(size=megabytes(limit)),
                )
            ],
        )


async def _chunks_of(upload: UploadFile):
    while chunk := await upload.read(256 * 1024):
        yield chunk
