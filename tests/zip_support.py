"""Damaged zip files for tests: one field of every member's headers overwritten, the way real damage looks."""


def patch_members(data: bytes, local: int, central: int, value: bytes) -> bytes:
    """Overwrite a field of every local and central zip header (offsets from each header's signature)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset: start + offset + len(value)] = value
            start = patched.find(signature, start + 4)
    return bytes(patched)
