"""`ingest --validate`: each agency item checked against the official IPTC schema of its
format and version, from a folder laid out as IPTC publishes them (`ninjs/schemas/`,
`newsml-g2/schema/`, `nitf/schema/`). Nothing is fetched: a schema's reference to another
(ninjs 2 and 3 name the GeoJSON schema by URL) is answered from the folder or not at all, and
XML schemas are read with the network off. Needs the `validate` extra (jsonschema, lxml).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

NINJS = {"1.x": "ninjs-schema_1.6.json", "2.x": "ninjs-schema_2.2.json", "3.x": "ninjs-schema_3.1.json"}
GEOJSON = "https://geojson.org/schema/GeoJSON.json"
XSD = {"NewsML-G2": "newsml-g2/schema/NewsML-G2_2.35-spec-All-Power.xsd", "NITF": "nitf/schema/nitf-3-6.xsd"}
NAMESPACES = {"NewsML-G2": "http://iptc.org/std/nar/2006-10-01/", "NITF": "http://iptc.org/std/NITF/2006-10-18/"}
SHOWN = 5  # problems named per item


def schema_folder(start: Path, also: tuple[Path, ...] = ()) -> Path | None:
    """The IPTC schemas (and examples): where BRIEFING_WIRE_FORMATS says, else a
    shared/wire-formats folder in a folder above `start`, else one of `also`."""
    named = os.environ.get("BRIEFING_WIRE_FORMATS")
    candidates = [Path(named)] if named else [folder / "shared" / "wire-formats" for folder in start.resolve().parents]
    return next((c for c in [*candidates, *also] if c.is_dir()), None)


class Unavailable(Exception):
    """No schema to check this item against (the reason says why)."""


def check(raw: bytes, kind: str, folder: Path) -> tuple[str, list[str]]:
    """(the schema's name, what is wrong with the document by path); raises Unavailable."""
    if kind.startswith("ninjs"):
        return _ninjs(raw, kind.split()[-1], folder)
    family = "NITF" if kind.startswith("NITF") else "NewsML-G2"
    return _xml(raw, family, folder)


def _ninjs(raw: bytes, version: str, folder: Path) -> tuple[str, list[str]]:
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.exceptions import NoSuchResource
    except ImportError:
        raise Unavailable("needs jsonschema: pip install 'briefing[validate]'") from None
    path = folder / "ninjs" / "schemas" / NINJS.get(version, "")
    if version not in NINJS or not path.is_file():
        raise Unavailable(f"no ninjs {version} schema in {folder}")
    schema = json.loads(path.read_text(encoding="utf-8"))

    def local_only(uri: str) -> Resource[Any]:
        geojson = folder / "ninjs" / "schemas" / "GeoJSON-schema.json"
        if uri.rstrip("#") == GEOJSON and geojson.is_file():
            return Resource.from_contents(json.loads(geojson.read_text(encoding="utf-8")))
        raise NoSuchResource(uri)  # never fetched

    registry: Registry[Any] = Registry(retrieve=local_only)  # type: ignore[call-arg]  # attrs field, untyped
    validator = jsonschema.validators.validator_for(schema)(schema, registry=registry)
    data = json.loads(raw.decode("utf-8-sig"))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return path.name, ["/" + "/".join(str(p) for p in e.absolute_path) + f": {e.message}" for e in errors]


def _xml(raw: bytes, family: str, folder: Path) -> tuple[str, list[str]]:
    try:
        from lxml import etree
    except ImportError:
        raise Unavailable("needs lxml: pip install 'briefing[validate]'") from None
    path = folder / XSD[family]
    if not path.is_file():
        raise Unavailable(f"no {family} schema in {folder}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    document = etree.fromstring(raw, parser)
    if document.nsmap.get(None) != NAMESPACES[family]:
        raise Unavailable(f"has no {family} namespace, so the schema cannot check it (read leniently)")
    schema = _schema(str(path))
    if schema.validate(document):
        return path.name, []
    return path.name, [f"line {e.line}: {e.message}" for e in schema.error_log]


@functools.cache
def _schema(path: str) -> Any:
    """A parsed XML schema (the NewsML-G2 one takes half a second), once per process."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(path, parser))
