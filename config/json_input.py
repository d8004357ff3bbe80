"""JSON from clients, parsed once and held to what the database and the apps can take.

Python's json module accepts input that fails later, far from where it came in, as a 500:
- NUL (`"\\u0000"`): PostgreSQL text and jsonb refuse U+0000 (a DataError on INSERT);
- lone surrogates (`"\\ud800"`): not Unicode text, not encodable as UTF-8 (the driver raises);
- NaN and Infinity: not JSON (RFC 8259), and jsonb refuses them;
- duplicate keys: the last one silently wins, where another parser may take the first;
- deep nesting: the parser recurses once per level, 50,000 levels is a RecursionError,
  and a document that parses close to the limit breaks the next recursive step instead.

So the API's parser and the admin's JSON editors read client JSON through `json_loads`,
which raises `JsonInvalid` (not JSON at all: a 400) or `JsonRefused` (JSON, but holding
something above: a 422 whose errors carry the JSON path, `["blocks", 3, "html"]`).
Plain text inputs (query strings, path segments, form fields) use `text_problem`.
"""

import json
import math
import re

# Deeper than any document the product takes (blocks nest four levels), far below the
# recursion limit whatever the stack depth of the caller.
MAX_DEPTH = 64
# A refused document reports at most this many places (a 1 MB list of NULs reports 20).
MAX_PROBLEMS = 20

TEXT_NUL = "must not contain NUL (U+0000) characters"
TEXT_SURROGATE = "must not contain lone surrogates (U+D800 to U+DFFF): they are not Unicode text"
TOO_DEEP = f"is nested deeper than {MAX_DEPTH} levels"
KEY_DUPLICATE = "has the key {key!r} more than once"
NUMBER_NOT_FINITE = "is not a JSON number: {value} (NaN and Infinity are not JSON)"
NOT_UTF8 = "The body is not UTF-8: {error}"
NOT_JSON = "The body is not valid JSON: {error}"

_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonInvalid(ValueError):
    """Not JSON at all (syntax, encoding, nesting beyond what the parser can read)."""


class JsonRefused(ValueError):
    """Valid JSON holding something the product refuses; `problems` is
    `[(loc, msg), ...]` with `loc` the JSON path inside the document."""

    def __init__(self, problems: list[tuple[list, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{loc}: {msg}" for loc, msg in problems))


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as text, or None. ASCII text is checked with one `in`."""
    if "\x00" in text:
        return TEXT_NUL
    if not text.isascii() and _SURROGATE.search(text):
        return TEXT_SURROGATE
    return None


def _object(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return obj


def _constant(name: str):
    raise JsonRefused([([], NUMBER_NOT_FINITE.format(value=name))])


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as inf
        raise JsonRefused([([], NUMBER_NOT_FINITE.format(value=text))])
    return value


def json_loads(data: bytes | str):
    """Parse client JSON; raise JsonInvalid or JsonRefused (see the module docstring)."""
    if isinstance(data, bytes):
        try:
            # Strict UTF-8: json.loads(bytes) would let encoded surrogates through.
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInvalid(NOT_UTF8.format(error=exc)) from exc
    try:
        value = json.loads(data, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
    except _Duplicate as exc:
        raise JsonRefused([([], KEY_DUPLICATE.format(key=exc.key))]) from None
    except RecursionError:
        raise JsonRefused([([], TOO_DEEP)]) from None
    except JsonRefused:
        raise
    except ValueError as exc:  # JSONDecodeError, and int() past 4,300 digits
        raise JsonInvalid(NOT_JSON.format(error=exc)) from exc
    # NUL and surrogates can only arrive as \u escapes (raw control characters are not
    # JSON, raw surrogates not UTF-8), and a document with few brackets cannot nest deep:
    # most bodies skip the walk (it costs about one more parse).
    texts = "\\u" in data
    if texts or data.count("[") + data.count("{") > MAX_DEPTH:
        problems = json_value_problems(value, texts=texts)
        if problems:
            raise JsonRefused(problems)
    return value


def json_value_problems(value, *, texts: bool = True) -> list[tuple[list, str]]:
    """Where `value` (parsed JSON) nests too deep or, with `texts`, holds a string or key
    that `text_problem` refuses. A first pass without paths (the common, clean case); a
    second one builds the paths of the problems."""
    if _clean(value, texts):
        return []
    problems: list[tuple[list, str]] = []
    stack = [(value, [], 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        node, loc, depth = stack.pop()
        if isinstance(node, str):
            if texts and (problem := text_problem(node)):
                problems.append((loc, problem))
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_DEPTH:
            problems.append((loc, TOO_DEEP))
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        children = []
        for key, item in items:
            if texts and isinstance(key, str) and (problem := text_problem(key)):
                problems.append(([*loc, key], f"key {problem}"))
            children.append((item, [*loc, key], depth + 1))
        stack.extend(reversed(children))  # report in document order
    return problems[:MAX_PROBLEMS]


def _clean(value, texts: bool) -> bool:
    if not isinstance(value, dict | list):
        return not (texts and isinstance(value, str) and text_problem(value))
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        if isinstance(node, dict):
            if texts and not all(text_problem(key) is None for key in node):
                return False
            node = node.values()
        for item in node:
            if type(item) is str:
                if texts and text_problem(item) is not None:
                    return False
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
    return True
