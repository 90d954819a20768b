"""Article photos: a local image made into responsive renditions, its metadata stripped.

`image:` in front matter names a file beside the article (a page bundle: nato.jpg next to
nato.md), a file under the site's static/ (/static/photos/nato.jpg), or an https:// URL. A
local file is opened with Pillow, turned upright by its EXIF orientation, and written again as
WebP at a few widths up to its own (never enlarged), one JPEG (PNG when it has transparency)
for browsers, feeds and mail that take no WebP, and a 1200 × 630 crop for link previews. A
rendition is written from pixels alone: no EXIF, GPS, IPTC or XMP reaches the output (only the
colour profile is kept, so colours stay true). Names carry a hash of the source and of these
settings (/img/<hash>-<width>.webp), so an unchanged photo is never encoded again and browsers
may cache them forever; renditions are made once, into .briefing-cache/img/, and copied into the
output when an article that is published shows them.

A URL is recorded, never fetched. A file that cannot be used (truncated, not what its name says,
too many pixels) is a warning naming it: the article is built without its photo.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import SiteConfig, shown_path
from .errors import Problem
from .state.atomic import write_atomic
from .state.stamps import PHOTO_SUFFIXES, file_stamp

if TYPE_CHECKING:  # Pillow is imported where a photo is read: most builds read none
    from PIL import Image

SUFFIXES = dict(zip(PHOTO_SUFFIXES, ("JPEG", "JPEG", "PNG", "WEBP"), strict=True))
WIDTHS = (400, 800, 1200, 1600)  # WebP renditions, each only when the photo is wider
FALLBACK_WIDTH = 1200  # the one JPEG or PNG
SHARE_SIZE = (1200, 630)  # og:image, twitter:image and JSON-LD: the size link previews ask for
SMALL_WIDTH = 400  # a card's thumbnail
MAX_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 100_000_000  # 12,000 × 8,000: Pillow's bomb limit, checked before a pixel is decoded
WEBP = {"quality": 80, "method": 2}  # method 2: within 5% of method 4's bytes at 70% of its time
JPEG = {"quality": 82, "optimize": True, "progressive": True}


@functools.cache
def _recipe() -> str:
    """What a rendition is made with: in its name's hash, so that a change (or another Pillow)
    makes new files."""
    import PIL

    return f"1 {PIL.__version__} {WIDTHS} {FALLBACK_WIDTH} {SHARE_SIZE} {sorted(WEBP.items())} {sorted(JPEG.items())}"


FOLDER = "img"  # in the output and in the cache


@dataclass(frozen=True, slots=True)
class Rendition:
    """One file made from a photo."""

    url: str  # the site path: /img/<hash>-<width>.<ext>
    width: int
    height: int
    type: str  # its media type
    size: int  # in bytes, for a feed's enclosure

    @property
    def name(self) -> str:
        """The output file's name, relative to the output folder."""
        return self.url.lstrip("/")


@dataclass(frozen=True, slots=True)
class Picture:
    """An article's photo as pages show it. A remote one has its URL and nothing measured."""

    src: str  # the fallback rendition's site path, or the URL front matter gives
    alt: str
    caption: str
    credit: str
    width: int | None = None  # of the widest rendition: the box a page reserves
    height: int | None = None
    renditions: tuple[Rendition, ...] = ()  # WebP, narrowest first
    fallback: Rendition | None = None
    share: Rendition | None = None
    file: str | None = None  # the source file, for telling when it changes
    stamp: str | None = None

    @property
    def srcset(self) -> str:
        """The WebP renditions as a srcset."""
        return ", ".join(f"{r.url} {r.width}w" for r in self.renditions)

    @property
    def small(self) -> Rendition | None:
        """The rendition for a card's thumbnail."""
        return next((r for r in self.renditions if r.width >= SMALL_WIDTH), self.fallback)

    @property
    def files(self) -> tuple[Rendition, ...]:
        """Every file the output needs for this photo."""
        made = (*self.renditions, self.fallback, self.share)
        return tuple(r for r in made if r is not None)

    @property
    def key(self) -> str:
        """What pages showing the photo depend on."""
        return repr((self.src, self.alt, self.caption, self.credit, self.width, self.height, self.files))

    @property
    def current(self) -> bool:
        """Whether the source file is as it was when the renditions were made."""
        return self.file is None or (self.stamp is not None and file_stamp(self.file, "") == self.stamp)


class ImageProblem(Exception):
    """A photo that cannot be used, and why."""


_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")
_NAME = re.compile(r"^[^/\\\s.:][^/\\:]*$")  # a file name beside the article: no folder, no way out
_SITE_PATH = re.compile(r"^/[^/\\\s][^\\\s]*$")


def kind(value: str) -> str | None:
    """What `image:` names: "url" (recorded as it is, never fetched), "static" (a photo under static/),
    "path" (another path of the site, linked as it is), "beside" (a file next to the article),
    or None (none of these: a folder, a way out of the site, another scheme)."""
    if _URL.match(value):
        return "url"
    if _SITE_PATH.match(value) and "/../" not in value + "/" and "/./" not in value + "/":
        photo = value.startswith("/static/") and Path(value).suffix.lower() in SUFFIXES
        return "static" if photo else "path"
    if _NAME.match(value):
        return "beside"
    return None


def picture(
    config: SiteConfig, article: Path, value: str, alt: str, caption: str, credit: str
) -> tuple[Picture | None, list[Problem]]:
    """The photo `image:` (of a `kind`) names in the article file `article`, made into
    renditions (from the cache when they were made before); with a warning instead when the
    file cannot be used."""
    where = kind(value)
    found = config.root / value.lstrip("/") if where == "static" else article.parent / value
    if where in ("url", "path") or (where == "static" and not found.exists()):
        # a URL, an icon or drawing, or a file of the theme's static/: linked as it is
        return Picture(value, alt, caption, credit), []
    shown = shown_path(found)
    try:
        renditions, stamp = made(config, found, config.root / "static" if where == "static" else config.content_dir)
    except ImageProblem as exc:
        return None, [Problem(shown, None, str(exc), "the article is built without its photo")]
    *webp, fallback, share = renditions  # as `_encode` makes them
    notes = []
    if where == "static" and _has_location(found):
        notes.append(
            Problem(
                shown,
                None,
                "carries a GPS position, and static/ is published as it is",
                "move the photo beside its article: only its renditions, stripped of metadata, are published",
            )
        )
    widest = webp[-1]
    made_picture = Picture(
        fallback.url, alt, caption, credit, widest.width, widest.height, tuple(webp), fallback, share, str(found), stamp
    )
    return made_picture, notes


def made(config: SiteConfig, path: Path, allowed: Path) -> tuple[tuple[Rendition, ...], str | None]:
    """The renditions of the photo at `path` (inside `allowed`) and its stamp; raise
    ImageProblem with the reason it cannot be used."""
    stamp = file_stamp(path, "")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ImageProblem("is not there") from None
    if not real.is_relative_to(allowed.resolve()):
        raise ImageProblem(f"is outside the site's {allowed.name}/ folder")
    if not real.is_file():
        raise ImageProblem("is not a file")
    data, expected = _read(real)
    key = hashlib.sha256(_recipe().encode() + b"\0" + data).hexdigest()[:20]
    cache = config.cache_dir / FOLDER
    record = cache / f"{key}.json"
    renditions = _read_record(record, cache)
    if renditions is None:
        renditions = _encode(data, expected, key, cache)
        write_atomic(record, json.dumps([_as_dict(r) for r in renditions]).encode())
    return renditions, stamp


def cached_file(config: SiteConfig, rendition: Rendition) -> Path:
    """Where a rendition is kept between builds."""
    return config.cache_dir / FOLDER / Path(rendition.name).name


def _read_record(record: Path, cache: Path) -> tuple[Rendition, ...] | None:
    try:
        items = json.loads(record.read_bytes())
        renditions = tuple(Rendition(**item) for item in items)
    except (OSError, ValueError, TypeError):
        return None
    if not all((cache / Path(r.name).name).is_file() for r in renditions):
        return None
    return renditions


def _as_dict(rendition: Rendition) -> dict[str, object]:
    return {
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
        "type": rendition.type,
        "size": rendition.size,
    }


def _encode(data: bytes, expected: str, key: str, cache: Path) -> tuple[Rendition, ...]:
    """Decode the photo and write every rendition into the cache folder: the WebP ones
    narrowest first, then the fallback, then the share crop."""
    image, icc = _decoded(data, expected)
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    pixels = image.convert("RGBA" if alpha else "RGB")
    pixels.info = {}  # nothing of the source's metadata is carried into a rendition
    made: list[Rendition] = []
    widths = sorted({w for w in WIDTHS if w < pixels.width} | {min(pixels.width, WIDTHS[-1])}, reverse=True)
    # widest first, each from the last (the one resize of the full photo is what costs)
    resized: dict[int, Image.Image] = {}
    base = pixels
    for width in widths:
        base = resized[width] = _resized(base, width, pixels.size)
        made.append(_write(base, "WEBP", f"{key}-{width}.webp", cache, icc))
    made.reverse()
    fallback = resized[min(pixels.width, FALLBACK_WIDTH)]  # always one of the widths
    kind = "PNG" if alpha else "JPEG"
    made.append(_write(fallback, kind, f"{key}-{fallback.width}.{'png' if alpha else 'jpg'}", cache, icc))
    made.append(_write(_share(resized[widths[0]]).convert("RGB"), "JPEG", f"{key}-share.jpg", cache, icc))
    return tuple(made)


def _decoded(data: bytes, expected: str) -> tuple[Image.Image, bytes | None]:
    """The photo's pixels, turned upright, and its colour profile; raise ImageProblem with
    why it cannot be used: not the format its name says, too many pixels, truncated, corrupt."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check: a warning past it, an error past twice it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format != expected:
                found = opened.format or "an unknown kind"
                raise ImageProblem(f"is {_article(found)} {found} image, not the {expected} its name says")
            if opened.format == "JPEG":  # decoded at a smaller scale when that is enough, either way up
                opened.draft("RGB", (min(opened.width, WIDTHS[-1]), min(opened.height, WIDTHS[-1])))
            opened.load()
            icc = opened.info.get("icc_profile")
            image = ImageOps.exif_transpose(opened)
    except ImageProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        limit = f"at most {MAX_PIXELS // 1_000_000} megapixels are processed"
        raise ImageProblem(f"has too many pixels ({limit}; a decompression bomb?): {exc}") from None
    except UnidentifiedImageError:
        raise ImageProblem("is not an image Pillow can read (corrupt, or another kind of file)") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise ImageProblem(f"cannot be read as an image: {exc}") from None
    return image, icc


def _resized(image: Image.Image, width: int, original: tuple[int, int]) -> Image.Image:
    """The image at `width`, its height by the original's proportions (not the last step's)."""
    from PIL import Image

    if image.width == width:
        return image
    height = max(1, round(original[1] * width / original[0]))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)


def _share(image: Image.Image) -> Image.Image:
    """The photo cropped to the link-preview shape, at 1200 × 630 or smaller (never enlarged)."""
    from PIL import Image, ImageOps

    ratio = SHARE_SIZE[0] / SHARE_SIZE[1]
    width = min(image.width, round(image.height * ratio), SHARE_SIZE[0])
    return ImageOps.fit(image, (width, max(1, round(width / ratio))), Image.Resampling.LANCZOS)


def _write(image: Image.Image, kind: str, name: str, cache: Path, icc: bytes | None) -> Rendition:
    out = io.BytesIO()
    options: dict[str, object] = dict(WEBP if kind == "WEBP" else JPEG if kind == "JPEG" else {"optimize": True})
    if icc:
        options["icc_profile"] = icc
    image.save(out, kind, **options)
    data = out.getvalue()
    write_atomic(cache / name, data)
    media = {"WEBP": "image/webp", "JPEG": "image/jpeg", "PNG": "image/png"}[kind]
    return Rendition(f"/{FOLDER}/{name}", image.width, image.height, media, len(data))


def _article(word: str) -> str:
    return "an" if word[:1].upper() in "AEIOU" else "a"


def _has_location(path: Path) -> bool:
    """Whether a photo's EXIF holds a GPS position."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return bool(image.getexif().get_ifd(0x8825))
    except Exception:  # noqa: BLE001 (unreadable: the renditions said why already)
        return False


def outputs(config: SiteConfig, pictures: Iterable[Picture | None]) -> dict[str, Path]:
    """Output name -> cached file, for every rendition of the photos given."""
    found: dict[str, Path] = {}
    for item in pictures:
        if item is None:
            continue
        for rendition in item.files:
            found[rendition.name] = cached_file(config, rendition)
    return found


@dataclass(frozen=True, slots=True)
class Embedded:
    """What a photo says of itself, the way agency photos carry it: IPTC IIM (the
    Photoshop block of a JPEG) and XMP, the IIM first (it is what wire desks fill in)."""

    caption: str = ""
    credit: str = ""  # "Jane Doe/AP": the photographer and the credit, as a credit line
    headline: str = ""
    alt: str = ""  # IPTC's Alt Text (Accessibility), when the photo has one


# IIM dataset numbers of record 2: caption/abstract, credit, by-line, headline
_IIM = {"caption": (2, 120), "credit": (2, 110), "byline": (2, 80), "headline": (2, 105)}
_XMP = {"caption": "description", "credit": "Credit", "byline": "creator", "headline": "Headline"}
_EMBEDDED_MAX = 2000  # characters of any one field: a caption, not a file


def embedded(path: Path) -> Embedded:
    """The caption, credit line, headline and alt text a photo file carries; raise ImageProblem
    when it is no image Pillow can open."""
    from PIL import Image, IptcImagePlugin

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a bomb's warning: it is refused when it is built
            with Image.open(path) as image:
                iim = IptcImagePlugin.getiptcinfo(image) if image.format == "JPEG" else None
                xmp = image.getxmp() if hasattr(image, "getxmp") else {}
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageProblem(f"is not an image Pillow can read: {exc}") from None
    description = _xmp_description(xmp)
    found: dict[str, str] = {}
    for field_name, number in _IIM.items():
        found[field_name] = _clean(_iim_text((iim or {}).get(number))) or _clean(
            _xmp_text(description.get(_XMP[field_name]))
        )
    alt = _clean(_xmp_text(description.get("AltTextAccessibility")))
    credit = "/".join(part for part in (found["byline"], found["credit"]) if part)
    if found["byline"] and found["credit"] and found["credit"].startswith(found["byline"]):
        credit = found["credit"]  # "Jane Doe/AP" given as the credit already
    return Embedded(found["caption"], credit, found["headline"], alt)


def _iim_text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else b""
    if not isinstance(value, bytes):
        return ""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")  # IIM before its UTF-8 flag was common


def _xmp_description(xmp: object) -> dict[str, object]:
    """The properties of XMP's rdf:Description elements, merged, by local name."""
    found: dict[str, object] = {}
    rdf = xmp.get("xmpmeta", {}).get("RDF", {}) if isinstance(xmp, dict) else {}
    descriptions = rdf.get("Description", []) if isinstance(rdf, dict) else []
    for description in descriptions if isinstance(descriptions, list) else [descriptions]:
        if isinstance(description, dict):
            for key, value in description.items():
                found.setdefault(key, value)
    return found


def _xmp_text(value: object) -> str:
    """The first text of an XMP value: plain, or in an Alt (the x-default first), Seq or Bag."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [_xmp_text(v) for v in value]
        default = [
            _xmp_text(v) for v in value if isinstance(v, dict) and v.get("lang") in ("x-default", None) and "text" in v
        ]
        return next((t for t in default + texts if t), "")
    if isinstance(value, dict):
        if "text" in value and isinstance(value["text"], str):
            return value["text"]
        for key in ("Alt", "Seq", "Bag", "li"):
            if key in value:
                return _xmp_text(value[key])
    return ""


def _clean(text: str) -> str:
    """A field as one line of plain text: control characters and runs of spaces gone."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:_EMBEDDED_MAX]


def check(path: Path) -> None:
    """Raise ImageProblem when a photo cannot be made into renditions (decoded to its last
    pixel, within the limits): what ingest asks before it takes one."""
    _decoded(*_read(path))


def _read(path: Path) -> tuple[bytes, str]:
    """A photo file's bytes and the format its name says, within the size limit."""
    expected = SUFFIXES.get(path.suffix.lower())
    if expected is None:
        raise ImageProblem(f"is not a photo: use {', '.join(SUFFIXES)}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImageProblem(f"is {size / 1024 / 1024:.0f} MB; at most {MAX_BYTES // 1024 // 1024} MB are read")
    return path.read_bytes(), expected


def prune(config: SiteConfig, pictures: Iterable[Picture | None]) -> int:
    """Delete the cached renditions (and records) of photos no article names any more, after
    a build that read every article; the number of files deleted."""
    keep: set[str] = set()
    for item in pictures:
        if item is not None and item.files:
            keep.update(Path(r.name).name for r in item.files)
            keep.add(Path(item.files[0].name).name.split("-", 1)[0] + ".json")
    folder = config.cache_dir / FOLDER
    deleted = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.is_file() and entry.name not in keep and not entry.name.startswith("."):
                os.unlink(entry.path)
                deleted += 1
    return deleted
