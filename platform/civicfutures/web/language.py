"""The `/` redirect and the language switcher: what every page shares about its language."""

from __future__ import annotations

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from civicfutures.db.tables import Site
from civicfutures.i18n import set_locale
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.i18n.negotiation import LANGUAGE_COOKIE
from civicfutures.web.auth import current_actor, public
from civicfutures.web.locale import page_locale
from civicfutures.web.pages import safe_next
from civicfutures.web.templating import SWITCH_PATH, page_rest

ONE_YEAR = 365 * 24 * 3600


@get("/", guards=[public], include_in_schema=False, name="root")
async def root(request: Request) -> Redirect:
    """`/` → `/{lang}/`: cookie, Accept-Language, then the signed-in partner's site language, en."""
    actor = current_actor(request)
    site_languages: list[str] = []
    if actor.partner_site_ids:
        rows = (
            await Site.select(Site.languages)
            .output(load_json=True)
            .where(Site.id.is_in(sorted(actor.partner_site_ids)))
        )
        site_languages = [tag for row in rows for tag in row["languages"] or []]
    language = page_locale(request, tuple(site_languages))
    set_locale(language)
    return Redirect(f"/{language}/", status_code=302, headers={"Vary": "Accept-Language, Cookie"})


@get(
    f"{SWITCH_PATH}/{{lang:str}}", guards=[public], include_in_schema=False, name="switch_language"
)
async def switch_language(request: Request, lang: FromPath[str]) -> Redirect:
    """Remember the chosen language in a cookie and go to the same page in it."""
    if lang not in PAGE_LANGUAGES:
        raise NotFoundException()
    target = safe_next(request.query_params.get("next"), f"/{lang}/")
    path, _, query = target.partition("?")
    target = f"/{lang}{page_rest(path)}" + (f"?{query}" if query else "")
    cookie = Cookie(
        key=LANGUAGE_COOKIE, value=lang, max_age=ONE_YEAR, path="/", httponly=True, samesite="lax"
    )
    return Redirect(target, status_code=303, cookies=[cookie])


LANGUAGE_ROUTES = [root, switch_language]
