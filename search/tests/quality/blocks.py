"""Block helpers for the quality sets' pages: the stored shape content's validator
accepts, so the pages go through the same services, chunking and index as an
editor's pages do."""


def p(text: str) -> dict:
    return {"type": "paragraph", "html": f"<p>{text}</p>"}


def h(text: str, level: int = 2) -> dict:
    return {"type": "heading", "text": text, "level": level}


def faq(*items: tuple[str, str], title: str = "") -> dict:
    return {"type": "faq", "title": title, "items": [{"question": q, "answer": f"<p>{a}</p>"} for q, a in items]}


def table(header: list[str], *rows: list[str], caption: str = "") -> dict:
    return {"type": "table", "caption": caption, "header": header, "rows": [list(row) for row in rows]}


def features(*items: str, title: str = "") -> dict:
    return {"type": "feature_list", "title": title, "items": list(items)}


def cards(*items: tuple[str, str], title: str = "") -> dict:
    return {"type": "cards", "title": title, "items": [{"title": t, "text": x} for t, x in items]}


def demo_pages(pages: list[dict]) -> list[dict]:
    """The demo's pages as text: their `"image_id": "@name"` placeholders name art that the
    demo command uploads (content_demo); the quality set has no library, and images carry
    no words to search, so the placeholders are left out."""

    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if not (key == "image_id" and str(item)[:1] == "@")}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    def imageless(block) -> bool:  # an image block whose only picture was a placeholder
        return isinstance(block, dict) and block.get("type") == "image" and not block.get("src")

    return [{**page, "blocks": [block for block in page["blocks"] if not imageless(block)]} for page in strip(pages)]
