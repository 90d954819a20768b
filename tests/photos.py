"""Real photo files for the tests, made with Pillow: with an EXIF GPS position and orientation,
IPTC IIM (a JPEG's Photoshop block, written here byte by byte as agencies' tools write it) and
XMP, the way a wire photo arrives."""

from __future__ import annotations

import io
import struct

from PIL import Image

# A position in central London, as a camera's GPS writes it
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}


def picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A photo-like image: a gradient with a mark in the top left corner (to see orientation)."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    corner = Image.new(mode, (max(1, width // 5), max(1, height // 5)), "red" if mode != "L" else 0)
    image.paste(corner, (0, 0))
    return image


def jpeg(
    width: int = 1800,
    height: int = 1200,
    *,
    gps: bool = False,
    orientation: int | None = None,
    iptc: dict[tuple[int, int], str] | None = None,
    xmp: str | None = None,
    quality: int = 90,
) -> bytes:
    """A JPEG with the metadata asked for."""
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"  # Make
    exif[0x0131] = "Example Firmware 1.0"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif.tobytes(), "quality": quality, "comment": b"taken at home"}
    if xmp is not None:
        options["xmp"] = xmp.encode()
    picture(width, height).save(out, "JPEG", **options)
    data = out.getvalue()
    return with_iptc(data, iptc) if iptc else data


def with_iptc(data: bytes, fields: dict[tuple[int, int], str]) -> bytes:
    """A JPEG with an IPTC IIM block (APP13, "Photoshop 3.0", 8BIM resource 0x0404) after SOI,
    UTF-8 declared in record 1."""
    records = b"\x1c\x01\x5a\x00\x03\x1b%G"  # 1:90 coded character set: UTF-8
    for (record, number), text in fields.items():
        value = text.encode()
        records += struct.pack(">BBBH", 0x1C, record, number, len(value)) + value
    if len(records) % 2:
        records += b"\0"
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(records)) + records
    body = b"Photoshop 3.0\0" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    return data[:2] + segment + data[2:]


def xmp_packet(caption: str = "", credit: str = "", creator: str = "", headline: str = "", alt: str = "") -> str:
    """An XMP packet with the IPTC Core fields agencies fill in."""
    parts = []
    if caption:
        parts.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description>'
        )
    if creator:
        parts.append(f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>")
    if alt:
        parts.append(
            "<Iptc4xmpCore:AltTextAccessibility><rdf:Alt>"
            f'<rdf:li xml:lang="x-default">{alt}</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility>'
        )
    attributes = (f' photoshop:Credit="{credit}"' if credit else "") + (
        f' photoshop:Headline="{headline}"' if headline else ""
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        ' xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"'
        f"{attributes}>{''.join(parts)}</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def metadata_of(data: bytes) -> dict[str, object]:
    """What an image file carries besides pixels (for asserting that nothing does)."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(0x8825)),
            "xmp": image.info.get("xmp") or image.info.get("XML:com.adobe.xmp"),
            "photoshop": image.info.get("photoshop"),
            "comment": image.info.get("comment"),
            "raw_exif": image.info.get("exif"),
        }
