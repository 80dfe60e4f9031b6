#!/usr/bin/env python3
"""Validates documents against promptreg's JSON Schemas (draft 2020-12) with the jsonschema package.

Usage: check-schemas.py SCHEMA_FILE=DOCUMENT_FILE ...
A document ending in .yaml or .yml is read as YAML. Every schema is checked against the
draft 2020-12 meta-schema first. Prints one line per failure; exits 1 if any failed.
"""
import json
import sys

import jsonschema
import yaml


def load(path):
    with open(path, encoding="utf-8") as handle:
        if path.endswith((".yaml", ".yml")):
            return yaml.safe_load(handle)
        return json.load(handle)


def main(pairs):
    failures = 0
    checked = 0
    for pair in pairs:
        schema_path, document_path = pair.split("=", 1)
        schema = load(schema_path)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(load(document_path)):
            failures += 1
            location = "/".join(str(part) for part in error.absolute_path)
            print(f"{document_path}: {location or '(root)'}: {error.message} [{schema_path}]")
        checked += 1
    print(f"schema check: {checked} documents, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
