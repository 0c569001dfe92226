"""bench-results.json, which several benchmarks write into: each adds its keys and keeps the others'."""
import json
import os


def load(path):
    """The results recorded at `path` so far: {} when there are none or the file is unreadable."""
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            recorded = json.load(f)
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def merge_into(path, updates):
    """Writes `updates` (top-level keys) into the JSON file at `path`, keeping its other keys; an
    unreadable file is started afresh."""
    merged = load(path)
    merged.update(updates)
    with open(path, "w") as f:
        json.dump(merged, f, indent=2)
