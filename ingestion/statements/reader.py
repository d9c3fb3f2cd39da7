"""Find and read the statement files dropped in the landing folder, with their checksums."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

# Writers drop files under a temporary name and rename them when complete: a half-written file
# must not be read (it would be quarantined as malformed, then loaded again once whole).
_IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class StatementFile:
    name: str
    content: bytes
    checksum: str  # sha256 of the content: the file's identity, whatever its name


@dataclass(frozen=True)
class LandedFileStamp:
    """What the sensor compares between ticks to notice a new or rewritten file."""

    name: str
    mtime_ns: int
    size: int

    @property
    def key(self) -> str:
        return f"{self.name}|{self.mtime_ns}|{self.size}"


def content_checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def landed_files(landing_dir: Path) -> list[Path]:
    """Complete files directly in the landing folder, by name; a missing folder holds none."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        path
        for path in landing_dir.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and not path.name.lower().endswith(_IN_PROGRESS_SUFFIXES)
    )


def landed_file_stamps(landing_dir: Path) -> list[LandedFileStamp]:
    stamps = []
    for path in landed_files(landing_dir):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # moved away between listing and stat
        stamps.append(LandedFileStamp(path.name, stat.st_mtime_ns, stat.st_size))
    return stamps


def read_statement_file(path: Path) -> StatementFile:
    # Statement exports are a few megabytes at most: read whole, so the checksum and the parse
    # see the same bytes even if the file is replaced meanwhile.
    content = path.read_bytes()
    return StatementFile(name=path.name, content=content, checksum=content_checksum(content))
