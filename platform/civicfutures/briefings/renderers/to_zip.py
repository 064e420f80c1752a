"""`briefing.zip`: every file of a briefing, its manifest included, in one download.

Written after the manifest, so the manifest inside lists the sha256 of every other entry and
the archive itself is the one file the manifest cannot list. Entries sit under a folder named
for the briefing id, sorted by path, each dated 1980-01-01 with mode 0644: the same briefing
gives the same archive, byte for byte. Text is deflated at zlib's default level (level 9 took
five times as long for 3 % less); files that are compressed containers already (DOCX, XLSX,
Parquet) are stored as they are, since deflating them again saves a few per cent at most.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from civicfutures.briefings.manifest import MANIFEST

ARCHIVE = "briefing.zip"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
UNIX = 3
LEVEL = 6
STORED_SUFFIXES = frozenset({".docx", ".xlsx", ".parquet", ".png", ".zip"})


def archived_files(directory: Path) -> list[Path]:
    """The briefing's files and its manifest, sorted by their path in the briefing."""
    return sorted(
        (p for p in directory.rglob("*") if p.is_file() and p.name != ARCHIVE),
        key=lambda p: p.relative_to(directory).as_posix(),
    )


def write_archive(directory: Path, briefing_id: str) -> Path:
    if not (directory / MANIFEST).is_file():
        raise FileNotFoundError(directory / MANIFEST)
    path = directory / ARCHIVE
    with zipfile.ZipFile(path, "w") as archive:
        for file in archived_files(directory):
            info = zipfile.ZipInfo(
                f"{briefing_id}/{file.relative_to(directory).as_posix()}", date_time=ZIP_DATE
            )
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            stored = file.suffix in STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes(), compresslevel=None if stored else LEVEL)
    return path
