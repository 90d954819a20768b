"""The formats agencies send: IPTC ninjs (JSON, 1.x to 3.x), NewsML-G2 (newsItem and
newsMessage, with NITF, XHTML, HTML or plain text inside) and NITF 3.x, read into `Story`
records that ingest writes as articles.

A file's format is told by its content, never its name: JSON that is not shaped as ninjs is
refused with the reason, and anything else is the plain-text wire format. Everything in an
item is data. XML is parsed by defusedxml (no entity may be declared, so no billion laughs; no
DTD, external entity or schemaLocation is fetched) under a size cap; bodies go through nh3
(the Ammonia sanitiser: scripts, styles, event handlers, iframes, forms and images are
dropped, and figures with their captions: a picture's words are its metadata) and then
become Markdown whose every text is escaped, so no markup of the agency's is ever run and
every word of the text survives.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import defusedxml.ElementTree as SafeET
import nh3
from defusedxml import DefusedXmlException
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .text import escape_markdown

MAX_BYTES = 5 * 1024 * 1024  # a text item of 5 MB is a mistake, or an attack
# What a body may keep: structure, emphasis and links (which, being data, are only ever http,
# https or mailto). The rest, text kept, goes.
_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr"}
_TAGS |= {"th", "td", "a", "em", "i", "strong", "b", "br", "section", "div", "span", "sub", "sup", "pre", "code"}
_NITF_TAGS = {"hl2": "h2", "hl1": "h2", "bq": "blockquote", "block": "div", "quote": "q", "credit": "p"}


Body = tuple[str, tuple[str, ...]]  # Markdown, and its paragraphs as plain text


class Refused(Exception):
    """The item cannot be ingested; the message says why."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A story's picture as the item describes it: a rendition's address (a URL, or a file the
    agency sends beside the item), its size, and its words."""

    href: str
    width: int = 0
    height: int = 0
    alt: str = ""
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """One agency item, in the terms of an article."""

    format: str  # "ninjs 2.x", "NewsML-G2", "NITF 3.x"
    guid: str
    version: int  # 0 when the item gives none
    headline: str
    summary: str = ""
    authors: tuple[str, ...] = ()
    dateline: str | None = None
    created: datetime | None = None  # first created: the article's date
    modified: datetime | None = None  # this version's time
    language: str | None = None
    slugline: str | None = None
    tags: tuple[str, ...] = ()  # names of subjects, genres, people, organisations and places
    subjects: tuple[str, ...] = ()  # their IPTC codes (medtop:04000000), for templates
    urgency: int | None = None  # 1 (flash) to 9
    copyright: str | None = None
    usage_terms: str | None = None
    status: str = "usable"  # usable, withheld or canceled
    embargo: datetime | None = None
    notes: tuple[tuple[str, str], ...] = ()  # (kind, text): a correction or update signal, an editorial note
    markdown: str = ""  # the body
    paragraphs: tuple[str, ...] = ()  # its paragraphs as plain text, for tags and the standfirst
    provider: str | None = None
    picture: Picture | None = None


def sniff(raw: bytes) -> str:
    """What a wire file is by its first bytes: "json", "xml" or "text"."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"{": "json", b"[": "json", b"<": "xml"}.get(head, "text")


def read(raw: bytes) -> list[Story]:
    """The stories of a ninjs, NewsML-G2 or NITF file (a newsMessage holds several)."""
    if len(raw) > MAX_BYTES:
        raise Refused(f"is {len(raw):,} bytes; a wire item is at most {MAX_BYTES:,}")
    kind = sniff(raw)
    if kind == "json":
        return [_ninjs(_json(raw))]
    return _xml(raw)


# -- ninjs ------------------------------------------------------------------------------------


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused("is JSON but not ninjs: a ninjs item is an object, not a list")
    data = dict(_lower(data))
    if not isinstance(data.get("uri"), str) or not data["uri"].strip():
        raise Refused("is JSON but not ninjs: it has no uri (every ninjs item names itself by its uri)")
    if not any(key in data for key in ("headline", "headlines", "body_text", "body_html", "bodies", "body_richtext")):
        raise Refused("is JSON but not ninjs: it has neither a headline nor a body")
    return data


def _lower(value: Any) -> Any:
    """ninjs 3 writes its keys in camelCase, 1 and 2 in lower case: read both alike."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _ninjs(data: dict[str, Any]) -> Story:
    kind = _text(data.get("type") or "text").lower()
    if kind not in ("text", "composite"):
        raise Refused(f"is a ninjs {kind} item, not text")
    headlines = data.get("headlines")
    plural = "headlines" in data or "bodies" in data
    version = "3.x" if plural and "contentcreated" in data else "2.x" if plural else "1.x"
    if isinstance(headlines, list) and headlines:
        main = next((h for h in headlines if isinstance(h, dict) and h.get("role") == "main"), headlines[0])
        headline = _text(main.get("value") if isinstance(main, dict) else main)
    else:
        headline = _text(data.get("headline") or data.get("headline_main"))
    summary = ""
    descriptions = data.get("descriptions")
    if isinstance(descriptions, list) and descriptions:
        wanted = next(
            (d for d in descriptions if isinstance(d, dict) and d.get("role") in ("summary", "abstract")), None
        )
        summary = _text((wanted or {}).get("value"))
    summary = summary or _text(data.get("description_text") or data.get("description_summary"))
    body: Body = ("", ())
    bodies = data.get("bodies")
    rich = data.get("body_html") or data.get("body_richtext") or data.get("body_xhtml")
    if isinstance(bodies, list) and bodies:
        body = _best_body([b for b in bodies if isinstance(b, dict)])
    elif rich:
        body = html_markdown(str(rich))
    elif data.get("body_text") or data.get("body_main"):
        body = text_markdown(str(data.get("body_text") or data.get("body_main")))
    names: list[str] = []
    codes: list[str] = []
    for key in (
        "subjects",
        "subject",
        "genres",
        "genre",
        "people",
        "organisations",
        "organizations",
        "places",
        "place",
    ):
        for entry in data.get(key) or []:
            if isinstance(entry, dict):
                if entry.get("name"):
                    names.append(_text(entry["name"]))
                code = entry.get("code") or entry.get("uri")
                if key.startswith("subject") and code:
                    codes.append(_text(code))
    by = data.get("by") or data.get("byline")
    authors = _names(_text(by)) if isinstance(by, str) else ()
    if isinstance(data.get("bylines"), list):
        authors = tuple(_text(b.get("byline") or b.get("name")) for b in data["bylines"] if isinstance(b, dict))
    status = _status(_text(data.get("pubstatus") or "usable"))
    notes = tuple(("update", _text(n.get("value"))) for n in data.get("ednotes") or [] if isinstance(n, dict))
    if data.get("ednote"):
        notes += (("update", _text(data["ednote"])),)
    return Story(
        format=f"ninjs {version}",
        guid=data["uri"].strip(),
        version=_int(data.get("version")),
        headline=headline,
        summary=summary,
        authors=authors,
        dateline=_text(data.get("located")) or None,
        created=_time(data.get("firstcreated") or data.get("contentcreated")),
        modified=_time(data.get("versioncreated")),
        language=_text(data.get("language")) or None,
        slugline=_text(data.get("slugline")) or None,
        tags=tuple(dict.fromkeys(n for n in names if n)),
        subjects=tuple(dict.fromkeys(codes)),
        urgency=_urgency(data.get("urgency")),
        copyright=_text(data.get("copyrightnotice")) or None,
        usage_terms=_text(data.get("usageterms")) or None,
        status=status,
        embargo=_time(data.get("embargoed")),
        notes=notes,
        markdown=body[0],
        paragraphs=body[1],
        provider=_text(data.get("copyrightholder")) or None,
        picture=_ninjs_picture(data.get("associations")),
    )


def _ninjs_picture(associations: Any) -> Picture | None:
    """The first picture (else graphic) among a ninjs item's associations, at its best rendition."""
    found = associations.values() if isinstance(associations, dict) else associations or []
    pictures = [a for a in found if isinstance(a, dict) and a.get("type") in ("picture", "graphic")]
    pictures.sort(key=lambda a: a.get("type") != "picture")
    for association in pictures:
        renditions = association.get("renditions") or []
        if isinstance(renditions, dict):
            renditions = list(renditions.values())
        sizes = [
            (_int(r.get("width")), _int(r.get("height")), _text(r.get("href")))
            for r in renditions
            if isinstance(r, dict) and r.get("href") and "image" in _text(r.get("contenttype") or "image/")
        ]
        if not sizes:
            continue
        width, height, href = _rendition(sizes)
        descriptions = [d for d in association.get("descriptions") or [] if isinstance(d, dict)]
        caption = next((d.get("value") for d in descriptions if d.get("role") in (None, "caption")), None)
        alt = next((d.get("value") for d in descriptions if d.get("role") in ("alt", "alternativetext")), None)
        caption = _text(caption or association.get("description_text") or association.get("headline"))
        credit = _text(association.get("by") or association.get("byline") or association.get("copyrightholder"))
        return Picture(href, width, height, _text(alt) or caption, caption, credit)
    return None


def _rendition(sizes: list[tuple[int, int, str]]) -> tuple[int, int, str]:
    """The rendition for a page: the largest up to 2,048 px wide (a 5,000 px original is ten
    megabytes), else the smallest there is; of two as wide, the first listed (agencies list the
    plain rendition before the watermarked one)."""
    fitting = [s for s in sizes if 0 < s[0] <= 2048]
    return max(fitting, key=lambda s: s[0]) if fitting else min(sizes, key=lambda s: s[0])  # the first of a size


def _best_body(bodies: list[dict[str, Any]]) -> Body:
    """The richest body: NITF or XHTML or HTML before plain text."""

    def rank(body: dict[str, Any]) -> int:
        kind = _text(body.get("contenttype")).lower()
        return 0 if "html" in kind else 1 if "xml" in kind else 2

    for body in sorted(bodies, key=rank):
        value = str(body.get("value") or "")
        kind = _text(body.get("contenttype")).lower()
        if not value:
            continue
        if "nitf" in kind or (kind == "application/xml" and "<nitf" in value):
            try:
                return _nitf_body(_parse(value.encode("utf-8")))
            except Refused:
                continue
        return html_markdown(value) if ("html" in kind or "xml" in kind) else text_markdown(value)
    return "", ()


# -- XML: NewsML-G2 and NITF -------------------------------------------------------------------


def _parse(raw: bytes) -> ET.Element:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Refused(f"is refused: {type(exc).__name__} ({exc}); an item may declare no entities") from None
    except ET.ParseError as exc:
        raise Refused(f"is not well-formed XML: {exc}") from None
    for element in root.iter():  # namespaced or not, as agencies send both
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
        for name in [n for n in element.attrib if "}" in n]:
            element.attrib[name.split("}", 1)[1]] = element.attrib.pop(name)
    return root


def _xml(raw: bytes) -> list[Story]:
    root = _parse(raw)
    if root.tag == "nitf":
        return [_nitf(root)]
    if root.tag == "newsItem":
        return [_g2(root)]
    if root.tag == "newsMessage":
        items = [_g2(item) for item in root.iter("newsItem") if _class(item) in ("ninat:text", "")]
        if not items:
            raise Refused("is a NewsML-G2 newsMessage with no text item")
        found = {item.get("guid", ""): _g2_picture(item) for item in root.iter("newsItem")}
        pictures = {guid: picture for guid, picture in found.items() if picture is not None}
        return [_with_picture(story, root, pictures, len(items)) for story in items]
    if root.tag == "packageItem":
        raise Refused("is a NewsML-G2 packageItem: it references items and carries no text of its own")
    raise Refused(f"is XML but neither NewsML-G2 nor NITF (its root is <{root.tag}>)")


def _with_picture(story: Story, message: ET.Element, pictures: dict[str, Picture], texts: int) -> Story:
    """A text item's picture in a message: one a package groups with it, else the message's
    first when the message carries a single text."""
    for package in message.iter("packageItem"):
        refs = [ref.get("residref", "") for ref in package.iter("itemRef")]
        if story.guid in refs:
            grouped = [pictures[ref] for ref in refs if ref in pictures]
            if grouped:
                return replace(story, picture=grouped[0])
    if texts == 1 and pictures and story.picture is None:
        return replace(story, picture=next(iter(pictures.values())))
    return story


def _g2_picture(item: ET.Element) -> Picture | None:
    """A G2 picture item's best rendition and its caption, alt text and credit."""
    if _class(item) not in ("ninat:picture", "ninat:graphic"):
        return None
    sizes = [
        (_int(r.get("width")), _int(r.get("height")), r.get("href", "").strip())
        for r in item.iter("remoteContent")
        if r.get("href") and "image" in r.get("contenttype", "image/")
    ]
    if not sizes:
        return None
    width, height, href = _rendition(sizes)
    content = item.find("contentMeta")
    descriptions = content.findall("description") if content is not None else []
    caption = next((d for d in descriptions if "caption" in d.get("role", "") or not d.get("role")), None)
    alt = next((d for d in descriptions if "alternative" in d.get("role", "").lower()), None)
    credit = _child_text(content, "creditline") if content is not None else ""
    if not credit and content is not None:
        credit = _child_text(content, "by")
    holder = item.find("rightsInfo/copyrightHolder/name")
    return Picture(
        href, width, height, _all_text(alt) or _all_text(caption), _all_text(caption), credit or _all_text(holder)
    )


def _class(item: ET.Element) -> str:
    found = item.find("itemMeta/itemClass")
    return found.get("qcode", "") if found is not None else ""


def _g2(item: ET.Element) -> Story:
    meta = item.find("itemMeta")
    content = item.find("contentMeta")
    if meta is None or content is None:
        raise Refused("is a NewsML-G2 newsItem without itemMeta or contentMeta")
    if _class(item) not in ("ninat:text", ""):
        raise Refused(f"is a NewsML-G2 {_class(item).removeprefix('ninat:')} item, not text")
    headlines = content.findall("headline")
    main = next(
        (h for h in headlines if h.get("role") in (None, "hrol:main", "main")), headlines[0] if headlines else None
    )
    descriptions = content.findall("description")
    summary = next((d for d in descriptions if "summary" in d.get("role", "") or "abstract" in d.get("role", "")), None)
    names, codes = [], []
    for kind in ("subject", "genre"):
        for entry in content.findall(kind):
            name = entry.find("name")
            if name is not None and _all_text(name):
                names.append(_all_text(name))
            if kind == "subject" and entry.get("qcode"):
                codes.append(entry.get("qcode", ""))
    located = content.find("located/name")
    dateline = content.find("dateline")
    by = content.findall("by")
    creators = [_all_text(c.find("name")) for c in content.findall("creator") if c.find("name") is not None]
    notes: list[tuple[str, str]] = []
    signals = {s.get("qcode", "") for s in meta.findall("signal")}
    status = meta.find("pubStatus")
    withdrawn = status is not None and _status(status.get("qcode", "")) != "usable"
    if withdrawn:  # the editorial note says why
        notes += [("withdrawn", _all_text(note)) for note in meta.findall("edNote")]
    elif signals & {"sig:correction", "sig:update"}:  # a note without a signal is for editors only
        kind = "correction" if "sig:correction" in signals else "update"
        notes += [(kind, _all_text(note)) for note in meta.findall("edNote")] or [
            (kind, "This story has been updated.")
        ]
    rights = item.find("rightsInfo")
    language = content.find("language")
    urgency = content.find("urgency")
    return Story(
        format="NewsML-G2",
        guid=item.get("guid", "").strip(),
        version=_int(item.get("version")),
        headline=_all_text(main) if main is not None else "",
        summary=_all_text(summary) if summary is not None else "",
        authors=tuple(_all_text(b) for b in by if _all_text(b)) or tuple(c for c in creators if c),
        dateline=(_all_text(dateline) if dateline is not None else "")
        or (_all_text(located) if located is not None else "")
        or None,
        created=_time(_child_text(meta, "firstCreated") or _child_text(content, "contentCreated")),
        modified=_time(_child_text(meta, "versionCreated")),
        language=(language.get("tag") if language is not None else None) or item.get("lang"),
        slugline=_child_text(content, "slugline") or None,
        tags=tuple(dict.fromkeys(names)),
        subjects=tuple(dict.fromkeys(codes)),
        urgency=_urgency(_all_text(urgency) if urgency is not None else None),
        copyright=_child_text(rights, "copyrightNotice") or None if rights is not None else None,
        usage_terms=_child_text(rights, "usageTerms") or None if rights is not None else None,
        status=_status(status.get("qcode", "") if status is not None else "usable"),
        embargo=_time(_child_text(meta, "embargoed")),
        notes=tuple(notes),
        markdown=(body := _g2_body(item))[0],
        paragraphs=body[1],
        provider=_provider(meta),
    )


def _provider(meta: ET.Element) -> str | None:
    found = meta.find("provider")
    if found is None:
        return None
    return _all_text(found.find("name")) or found.get("qcode", "").removeprefix("nprov:") or None


def _g2_body(item: ET.Element) -> Body:
    contents = item.find("contentSet")
    if contents is None:
        return "", ()
    for inline in contents:
        kind = inline.get("contenttype", "").lower()
        if inline.tag == "inlineXML":
            nitf = inline.find("nitf") if inline.find("nitf") is not None else next(inline.iter("nitf"), None)
            if nitf is not None:
                return _nitf_body(nitf)
            html = next((e for e in inline if isinstance(e.tag, str)), None)
            if html is not None:
                return html_markdown(ET.tostring(html, encoding="unicode"))
        if inline.tag == "inlineData":
            text = inline.text or ""
            return html_markdown(text) if "html" in kind else text_markdown(text)
    return "", ()


def _nitf(root: ET.Element) -> Story:
    head = root.find("head")
    body_head = root.find("body/body.head")
    docdata = head.find("docdata") if head is not None else None
    doc_id = docdata.find("doc-id") if docdata is not None else None
    du_key = docdata.find("du-key") if docdata is not None else None
    guid = doc_id.get("id-string") if doc_id is not None else None
    guid = guid or (du_key.get("key") if du_key is not None else None)
    hedline = body_head.find("hedline/hl1") if body_head is not None else None
    title = head.find("title") if head is not None else None
    abstract = body_head.find("abstract") if body_head is not None else None
    bylines = body_head.findall("byline") if body_head is not None else []
    dateline = body_head.find("dateline") if body_head is not None else None
    urgency = docdata.find("urgency") if docdata is not None else None
    issue = docdata.find("date.issue") if docdata is not None else None
    release = docdata.find("date.release") if docdata is not None else None
    names, codes = [], []
    for subject in head.iter("tobject.subject") if head is not None else []:
        name = subject.get("tobject.subject.matter") or subject.get("tobject.subject.type")
        if name:
            names.append(name)
        if subject.get("tobject.subject.refnum"):
            codes.append("subj:" + subject.get("tobject.subject.refnum", ""))
    for location in docdata.iter("evloc") if docdata is not None else []:
        place = location.get("city") or location.get("county-dist")
        if place:
            names.append(place)
    status = docdata.find("doc.status") if docdata is not None else None
    messages = docdata.findall("ed-msg") if docdata is not None else []
    notes = tuple(("update", m.get("info", "")) for m in messages if m.get("info"))
    rights = docdata.find("doc.copyright") if docdata is not None else None
    return Story(
        format=f"NITF {root.get('version', '3.x').rsplit(' ', 1)[-1].removesuffix('//EN') or '3.x'}",
        guid=(guid or "").strip(),
        version=_int(du_key.get("version") if du_key is not None else None),
        headline=_all_text(hedline) if hedline is not None else (_all_text(title) if title is not None else ""),
        summary=_all_text(abstract) if abstract is not None else "",
        authors=tuple(n for b in bylines for n in _names(_all_text(b))),
        dateline=(_all_text(dateline) if dateline is not None else "") or None,
        created=_time(issue.get("norm") if issue is not None else None),
        language=root.get("baselang") or root.get("lang"),
        tags=tuple(dict.fromkeys(names)),
        subjects=tuple(dict.fromkeys(codes)),
        urgency=_urgency(urgency.get("ed-urg") if urgency is not None else None),
        copyright=(rights.get("holder") if rights is not None else None),
        status="usable" if status is None else _status(status.get("value", "usable")),
        embargo=_time(release.get("norm") if release is not None else None),
        notes=notes,
        markdown=(body := _nitf_body(root))[0],
        paragraphs=body[1],
        picture=_nitf_picture(root),
    )


def _nitf_picture(nitf: ET.Element) -> Picture | None:
    """The first image of an NITF body (its <media>), with caption and producer as credit."""
    for media in nitf.iter("media"):
        if media.get("media-type", "image") != "image":
            continue
        reference = media.find("media-reference")
        if reference is None or not (reference.get("source") or reference.get("data-location")):
            continue
        caption = _child_text(media, "media-caption")
        return Picture(
            (reference.get("source") or reference.get("data-location") or "").strip(),
            _int(reference.get("width")),
            _int(reference.get("height")),
            reference.get("alternate-text") or reference.get("alt") or caption,
            caption,
            _child_text(media, "media-producer"),
        )
    return None


def _nitf_body(nitf: ET.Element) -> Body:
    """The body.content of an NITF document, its NITF elements renamed to HTML ones."""
    content = nitf.find("body/body.content")
    if content is None:
        return "", ()
    for element in content.iter():
        if element.tag in _NITF_TAGS:
            element.tag = _NITF_TAGS[element.tag]
    return html_markdown("".join(ET.tostring(child, encoding="unicode") for child in content))


# -- bodies -----------------------------------------------------------------------------------


def html_markdown(html: str) -> Body:
    """An HTML body as Markdown (sanitised by nh3, then walked; every text escaped) and its
    paragraphs as plain text."""
    document = LexborHTMLParser(html)
    if document.body is not None and re.search(r"<body[\s>]", html, re.IGNORECASE):
        html = document.body.html or ""  # a whole page: its head (title, styles) is no part of the text
    clean = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "figure", "title", "template", "noscript"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
    )
    node = LexborHTMLParser(f"<body>{clean}</body>").body
    if node is None:
        return "", ()
    blocks = _blocks(node)
    paragraphs = [" ".join(p.text(deep=True).split()) for p in node.css("p, li, td, h2, h3, h4")]
    if not paragraphs:
        paragraphs = [" ".join(node.text(deep=True).split())]
    return "\n\n".join(b for b in blocks if b.strip()), tuple(p for p in paragraphs if p)


def text_markdown(text: str) -> Body:
    """A plain-text body as Markdown: paragraphs at blank lines (or, for a body of one block,
    at line breaks), each escaped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = re.split(r"\n[ \t]*\n", text) if "\n\n" in text else text.split("\n")
    paragraphs = tuple(" ".join(c.split()) for c in chunks if c.strip())
    return "\n\n".join(escape_markdown(p) for p in paragraphs), paragraphs


def _blocks(node: LexborNode) -> list[str]:
    """Markdown blocks of an element's children."""
    blocks: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            blocks.append(text)
        inline.clear()

    child = node.child
    while child is not None:
        tag = child.tag
        if tag in ("p", "div", "section"):
            flush()
            if tag == "p":
                blocks.append(_inline(child))
            else:
                blocks.extend(_blocks(child))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            flush()
            level = max(2, int(tag[1]))
            blocks.append("#" * level + " " + re.sub(r"#$", r"\\#", _inline(child)))
        elif tag in ("ul", "ol"):
            flush()
            items = [c for c in _children(child) if c.tag == "li"]
            marks = [f"{n}." if tag == "ol" else "-" for n in range(1, len(items) + 1)]
            blocks.append("\n".join(f"{mark} {_inline(item)}" for mark, item in zip(marks, items, strict=True)))
        elif tag == "blockquote":
            flush()
            inner = _blocks(child) or [_inline(child)]
            blocks.append("\n>\n".join("\n".join("> " + line for line in b.split("\n")) for b in inner if b))
        elif tag == "table":
            flush()
            blocks.append(_table(child))
        elif tag == "pre":
            flush()
            blocks.append(escape_markdown(" ".join((child.text(deep=True) or "").split())))
        else:
            inline.append(_inline_node(child))
        child = child.next
    flush()
    return blocks


def _children(node: LexborNode) -> list[LexborNode]:
    found = []
    child = node.child
    while child is not None:
        found.append(child)
        child = child.next
    return found


def _inline(node: LexborNode) -> str:
    return " ".join("".join(_inline_node(c) for c in _children(node)).split())


def _inline_node(node: LexborNode) -> str:
    """One inline node as Markdown: text escaped; emphasis, strong and links kept."""
    tag = node.tag
    if tag == "-text":
        return escape_markdown(node.text(deep=False) or "").replace("\n", " ")
    if tag == "br":
        return " "
    inner = "".join(_inline_node(c) for c in _children(node))
    if not inner.strip():
        return inner
    if tag in ("em", "i"):
        return f"*{inner.strip()}*"
    if tag in ("strong", "b"):
        return f"**{inner.strip()}**"
    if tag == "a":
        href = (node.attributes.get("href") or "").strip()
        if href.startswith(("http://", "https://", "mailto:")):
            target = href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            return f"[{inner.strip()}]({target})"
    return inner


def _table(node: LexborNode) -> str:
    rows = [[_inline(cell).replace("|", "\\|") for cell in row.css("th, td")] for row in node.css("tr")]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


# -- values -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _all_text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _child_text(element: ET.Element, name: str) -> str:
    return _all_text(element.find(name))


def _names(byline: str) -> tuple[str, ...]:
    """'By Ann Reporter and Bo Writer' -> ('Ann Reporter', 'Bo Writer'); 'Von' (German), 'Par'
    (French), 'Por' (Spanish), 'Av' (Scandinavian) and 'Di' (Italian) are 'By' too."""
    byline = re.sub(r"^\s*(?:by|von|par|por|av|di)\s+", "", byline, flags=re.IGNORECASE).strip()
    parts = re.split(r"\s*(?:,\s*(?:and\s+|und\s+|et\s+|och\s+)?|\s+(?:and|und|et|och|og|y|e)\s+|\s+&\s+)\s*", byline)
    return tuple(p for p in parts if p)


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _urgency(value: Any) -> int | None:
    number = _int(value)
    return number if 1 <= number <= 9 else None


def _status(value: str) -> str:
    value = value.lower().rsplit(":", 1)[-1]
    return value if value in ("usable", "withheld", "canceled") else "usable"


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time, or NITF's compact 20210516T090004; None for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    compact = re.fullmatch(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)([+-]\d{4})?", text)
    if compact:
        y, mo, d, h, mi, s, zone = compact.groups()
        text = f"{y}-{mo}-{d}T{h}:{mi}:{s}" + (f"{zone[:3]}:{zone[3:]}" if zone else "")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
