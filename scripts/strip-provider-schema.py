#!/usr/bin/env python3
"""Strip `terraform providers schema -json` output to what the test engine
needs (attribute types and required/optional/computed/sensitive/write-only
flags, nested blocks and nested attributes) and write it gzip-compressed,
one schema per line, so the engine decompresses once and parses only the
types a module uses:

    R <type> <json>     a resource
    D <type> <json>     a data source
    E <type> <json>     an ephemeral resource

<json> is {"a": {name: [cty-type, flags, nested?]}, "b": {name: [nesting, block, min, max]}}
with flags a string of r (required), o (optional), c (computed), s (sensitive), w (write-only).

Usage: strip-provider-schema.py INPUT.json[.gz] OUTPUT.tfschema.gz
"""
import gzip
import json
import sys


def flags(a):
    return "".join(c for c, k in (("r", "required"), ("o", "optional"), ("c", "computed"), ("s", "sensitive"), ("w", "write_only")) if a.get(k))


def nested_attr(n):
    return {"m": n["nesting_mode"], "a": {k: attr(v) for k, v in n.get("attributes", {}).items()}}


def attr(a):
    out = [a.get("type", "dynamic"), flags(a)]
    if "nested_type" in a:
        out[0] = None
        out.append(nested_attr(a["nested_type"]))
    return out


def block(b):
    out = {}
    if b.get("attributes"):
        out["a"] = {k: attr(v) for k, v in b["attributes"].items()}
    if b.get("block_types"):
        out["b"] = {k: [v["nesting_mode"], block(v["block"]), v.get("min_items", 0), v.get("max_items", 0)] for k, v in b["block_types"].items()}
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt") as f:
        doc = json.load(f)
    lines = []
    for source, p in sorted(doc["provider_schemas"].items()):
        lines.append("P " + source)
        for tag, key in (("R", "resource_schemas"), ("D", "data_source_schemas"), ("E", "ephemeral_resource_schemas")):
            for ty, s in sorted(p.get(key, {}).items()):
                lines.append(f"{tag} {ty} " + json.dumps(block(s["block"]), separators=(",", ":"), sort_keys=True))
    with gzip.open(dst, "wt", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
