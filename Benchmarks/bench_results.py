"""bench-results.json, which several benchmarks write into: each adds its keys and keeps the others'."""
import json
import os


def merge_into(path, updates):
    """Writes `updates` (top-level keys) into the JSON file at `path`, keeping its other keys; an
    unreadable file is started afresh."""
    merged = {}
    if os.path.exists(path):
        try:
            with open(path) as f:
                merged = json.load(f)
        except (OSError, ValueError):
            merged = {}
    merged.update(updates)
    with open(path, "w") as f:
        json.dump(merged, f, indent=2)
