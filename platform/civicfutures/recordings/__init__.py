"""Recorded stories: a story's audio or video recording (Community Reporting output) and its
WebVTT subtitles in the story's language and any translation.

Partners and admins upload them (`api.py`); the type of a recording is read from its bytes
(`sniffing.py`), subtitles are parsed (`subtitles.py`); the bytes go to the storage and a
`story_media` row names them (`service.py`). The public archive plays them (`public.py`) only
while the story is public; an erasure deletes them with the story.
"""
