"""What a generating script logged, for the expectations of test/fixtures/frameworks.

Each script records every value it hands to the framework's logger (as the framework prints it: the
same rounding), and the capture writes them next to the console output. Expectations therefore come
from the script, never from the parser's output.
"""
import json
import math
import os


class Truth:
    def __init__(self, framework):
        self.framework = framework
        self.series = {}

    def add(self, key, value, printed=None, step=None, metric=True, point=None):
        """
        One value of `key` as the console shows it (`printed`: the framework's own formatting).
        `step`: the epoch it belongs to; `point`: the step at which the console shows it, when the
        parser is to place it exactly there (a progress bar's epoch x total + count).
        metric=False: logged, but not a measure of the model (a duration, a throughput): the parser
        need not read it, and when it does, only with these values.
        """
        value = float(value)
        shown = float(printed) if printed is not None else value
        if math.isnan(shown) or math.isinf(shown):
            return
        entry = self.series.setdefault(key, {"values": [], "steps": [], "metric": metric})
        if shown not in entry["values"]:
            entry["values"].append(shown)
        if step is not None and step not in entry["steps"]:
            entry["steps"].append(step)
        if point is not None and [point, shown] not in entry.setdefault("points", []):
            entry["points"].append([point, shown])

    def save(self):
        path = os.environ.get("EXPTRACK_TRUTH")
        if not path:
            return
        with open(path, "w") as f:
            json.dump({"framework": self.framework, "series": self.series}, f, indent=1, sort_keys=True)
