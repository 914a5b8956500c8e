"""Zip archives from uploads (.keras models, image sets), opened in memory and checked before anything is read.

Every way a zip can be unusable (encrypted, an unknown compression method, a bad checksum, corrupt
data, more data than it admits) becomes one `ArchiveError` with a sentence a student understands.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 97: "WavPack", 98: "PPMd", 99: "AES"}


class ArchiveError(ValueError):
    """A zip that cannot be read: a sentence for the user, and the reason in a few words (for lists of skipped files)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


def member_problem(member: zipfile.ZipInfo) -> str:
    """Why a member cannot be read at all, in a few words ("" when it can): encrypted, or an unknown method."""
    if member.flag_bits & 0x1:
        return "encrypted (password-protected)"
    if member.compress_type not in READABLE_METHODS:
        method = _METHOD_NAMES.get(member.compress_type, f"method {member.compress_type}")
        return f"compressed with an unsupported method ({method})"
    return ""


def open_zip(data: bytes, what: str = "zip archive") -> zipfile.ZipFile:
    """The archive in `data`, or ArchiveError if it is not a zip at all."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveError(f"This file is not a readable {what}.") from None


def check_members(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], max_bytes: int) -> None:
    """Refuse encrypted or unreadable members, and members that would unpack to more than `max_bytes` in all."""
    for member in members:
        problem = member_problem(member)
        if problem.startswith("encrypted"):
            raise ArchiveError(f"'{member.filename}' is password-protected (an encrypted zip); save it again without a "
                               "password.", problem)
        if problem:
            raise ArchiveError(f"'{member.filename}' is {problem}; make the zip again with ordinary (Deflate) "
                               "compression.", problem)
    if sum(member.file_size for member in members) > max_bytes:
        raise ArchiveError(f"The archive would unpack to more than {max_bytes // 2**20} MB; send a smaller one.")


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo | str) -> bytes:
    """A member's bytes, reading no more than its declared size, its checksum verified."""
    info = archive.getinfo(member) if isinstance(member, str) else member
    problem = member_problem(info)
    if problem:
        raise ArchiveError(f"'{info.filename}' is {problem}.", problem)
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            raise ArchiveError(f"'{info.filename}' is damaged: its checksum does not match (the file was altered or "
                               "cut short).", "damaged (its checksum does not match)") from None
        raise ArchiveError(f"'{info.filename}' is damaged ({str(error)[:80]}).", "damaged") from None
    except (zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
        raise ArchiveError(f"'{info.filename}' is damaged: its compressed data cannot be unpacked.",
                           "damaged (its compressed data cannot be unpacked)") from None
    if len(data) > info.file_size:
        raise ArchiveError(f"'{info.filename}' holds more data than the archive declares; it was refused.",
                           "larger than the zip declares")
    return data
