"""The calls the search tests make: a story posted, a search asked, a facet read."""

from __future__ import annotations

from builders import story_body


async def post_story(client, admin, world, site="gdansk", **changes) -> dict:
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, site, **changes), headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def search(client, headers, q, **params) -> dict:
    answer = await client.get("/api/v1/stories", params={"q": q, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def facet(page: dict, name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in page["facets"][name]}
