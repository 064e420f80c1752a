"""What an import answers: counts, and every problem by row and column, in the user's language."""

from __future__ import annotations

from msgspec import Struct

from civicfutures.intake.schemas import ErrorItem


class ImportProblem(Struct, kw_only=True):
    """One problem: `row` as a spreadsheet numbers it (the header is row 1), `column` as headed
    in the file; both null for a problem of the whole file."""

    row: int | None
    column: str | None
    field: str | None
    message: str


class FileInfo(Struct, kw_only=True):
    name: str
    format: str
    size: int
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


class Counts(Struct, kw_only=True):
    workshops: int = 0
    storytellers: int = 0
    stories: int = 0
    translations: int = 0
    codings: int = 0


class ImportReport(Struct, kw_only=True):
    """`created`: what the import wrote (or, in a dry run, would write); `existing`: rows matched
    to what was already stored (stories left unchanged, workshops and storytellers reused)."""

    status_code: int
    detail: str
    dry_run: bool
    committed: bool
    project: str
    file: FileInfo
    rows: int
    created: Counts
    existing: Counts
    problems: list[ImportProblem]
    problems_total: int
    # The same problems in the API's error shape (`rows.<n>.<column key>`), for generic clients.
    errors: list[ErrorItem]


class Problems:
    """Collects problems; keeps the first `limit` in full and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[ImportProblem] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, field: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(ImportProblem(row=row, column=column, field=field, message=message))

    def __bool__(self) -> bool:
        return self.total > 0

    def sorted_items(self) -> list[ImportProblem]:
        """File-level problems first, then by row in file order."""
        return sorted(self.items, key=lambda p: (p.row is not None, p.row or 0))

    def errors(self) -> list[ErrorItem]:
        result = []
        for problem in self.sorted_items():
            if problem.row is None:
                path = f"file.{problem.field}" if problem.field else "file"
            else:
                path = f"rows.{problem.row}" + (f".{problem.field}" if problem.field else "")
            result.append(ErrorItem(field=path, message=problem.message))
        return result
