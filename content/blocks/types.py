"""The block types. Adding one = a class here (decorated with `@register`) and a template
`templates/blocks/<type>.html`; blocks are JSON in `Page.blocks`, so no migration.

Field names of heading, paragraph, image, quote, cta and feature_list follow the seed
page `content/fixtures/page20.json`.
"""

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from content.blocks.base import BaseBlock, Strict
from content.blocks.fields import ImageRef, LongText, OptionalText, OptionalUrl, RichText, SafeUrl, ShortText
from content.blocks.registry import register

TABLE_ROW_LENGTH = "row {row} has {got} cells, the header has {want}"
VIDEO_URL_UNSUPPORTED = "use a YouTube or Vimeo link, or a direct .mp4/.webm file"
IMAGE_OR_URL_REQUIRED = "choose an image from the library, or give the URL of an image from elsewhere"


@register
class HeadingBlock(BaseBlock):
    """A section title; `level` 1-6 maps to <h1>-<h6>."""

    type: Literal["heading"]
    text: ShortText
    level: int = Field(default=2, ge=1, le=6)
    display_name: ClassVar[str] = "Heading"


@register
class ParagraphBlock(BaseBlock):
    """Rich text, sanitised with nh3 on save."""

    type: Literal["paragraph"]
    html: RichText
    display_name: ClassVar[str] = "Paragraph"


@register
class ImageBlock(BaseBlock):
    """A picture from the media library (`image_id`: sized renditions, its alt text) or,
    for an image hosted elsewhere, its URL (`src`, shown as it is)."""

    type: Literal["image"]
    image_id: ImageRef = None
    src: OptionalUrl = ""
    alt: OptionalText = ""  # for a library image: overrides the library's alt text
    caption: OptionalText = ""
    width: int | None = Field(default=None, ge=1, le=10_000)
    height: int | None = Field(default=None, ge=1, le=10_000)
    searchable_fields: ClassVar[tuple[str, ...]] = ("alt", "caption")
    display_name: ClassVar[str] = "Image"

    @model_validator(mode="after")
    def _image_given(self):
        if self.image_id is None and not self.src:
            raise ValueError(IMAGE_OR_URL_REQUIRED)
        return self


@register
class QuoteBlock(BaseBlock):
    type: Literal["quote"]
    text: LongText
    author: OptionalText = ""
    display_name: ClassVar[str] = "Quote"


@register
class CtaBlock(BaseBlock):
    """A call to action: one prominent button."""

    type: Literal["cta"]
    label: ShortText  # the button text (seed field name)
    display_name: ClassVar[str] = "Call to action"
    url: SafeUrl
    text: OptionalText = ""
    style: Literal["primary", "secondary"] = "primary"
    searchable_fields: ClassVar[tuple[str, ...]] = ("text", "label")


@register
class FeatureListBlock(BaseBlock):
    """A checklist of short selling points (items are plain strings, as in the seed)."""

    type: Literal["feature_list"]
    title: OptionalText = ""
    items: list[ShortText] = Field(min_length=1, max_length=50)
    display_name: ClassVar[str] = "Feature list"


@register
class HeroBlock(BaseBlock):
    """The banner at the top of a landing page."""

    type: Literal["hero"]
    title: ShortText
    subtitle: OptionalText = ""
    cta_label: OptionalText = ""
    cta_url: OptionalUrl = ""
    image_id: ImageRef = None
    image: OptionalUrl = ""  # an image from elsewhere, when no library image is chosen
    searchable_fields: ClassVar[tuple[str, ...]] = ("title", "subtitle")
    display_name: ClassVar[str] = "Hero banner"


class Card(Strict):
    title: ShortText
    text: OptionalText = ""
    url: OptionalUrl = ""
    image_id: ImageRef = None
    image: OptionalUrl = ""
    searchable_fields: ClassVar[tuple[str, ...]] = ("title", "text")


@register
class CardsBlock(BaseBlock):
    type: Literal["cards"]
    title: OptionalText = ""
    items: list[Card] = Field(min_length=1, max_length=12)
    display_name: ClassVar[str] = "Cards"


class Column(Strict):
    title: OptionalText = ""
    html: RichText


@register
class ColumnsBlock(BaseBlock):
    """Two to four columns of rich text side by side."""

    type: Literal["columns"]
    columns: list[Column] = Field(min_length=2, max_length=4)
    display_name: ClassVar[str] = "Columns"


class Question(Strict):
    question: ShortText
    answer: RichText


@register
class FaqBlock(BaseBlock):
    type: Literal["faq"]
    title: OptionalText = ""
    items: list[Question] = Field(min_length=1, max_length=50)
    display_name: ClassVar[str] = "FAQ"


Cell = OptionalText


@register
class TableBlock(BaseBlock):
    type: Literal["table"]
    caption: OptionalText = ""
    header: list[Cell] = Field(default_factory=list, max_length=12)
    rows: list[list[Cell]] = Field(min_length=1, max_length=200)
    display_name: ClassVar[str] = "Table"

    @model_validator(mode="after")
    def _rows_match_header(self):
        if self.header:
            for index, row in enumerate(self.rows):
                if len(row) != len(self.header):
                    raise ValueError(TABLE_ROW_LENGTH.format(row=index, got=len(row), want=len(self.header)))
        return self


_YOUTUBE = re.compile(r"^https://(?:www\.)?(?:youtube\.com/watch\?v=|youtu\.be/)([A-Za-z0-9_-]{6,20})")
_VIMEO = re.compile(r"^https://(?:www\.)?vimeo\.com/(\d{3,12})")


@register
class VideoBlock(BaseBlock):
    """A YouTube/Vimeo embed (privacy-friendly player URL) or a direct video file."""

    type: Literal["video"]
    url: SafeUrl
    title: OptionalText = ""
    caption: OptionalText = ""
    searchable_fields: ClassVar[tuple[str, ...]] = ("title", "caption")
    display_name: ClassVar[str] = "Video"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not (_YOUTUBE.match(value) or _VIMEO.match(value) or re.search(r"\.(mp4|webm)(\?.*)?$", value)):
            raise ValueError(VIDEO_URL_UNSUPPORTED)
        return value

    @property
    def embed_url(self) -> str | None:
        if match := _YOUTUBE.match(self.url):
            return f"https://www.youtube-nocookie.com/embed/{match.group(1)}"
        if match := _VIMEO.match(self.url):
            return f"https://player.vimeo.com/video/{match.group(1)}"
        return None


@register
class CodeBlock(BaseBlock):
    """Preformatted code, shown escaped (never executed or interpreted as HTML)."""

    type: Literal["code"]
    code: str = Field(min_length=1, max_length=20_000)
    language: OptionalText = ""
    display_name: ClassVar[str] = "Code"


@register
class DividerBlock(BaseBlock):
    type: Literal["divider"]
    style: Literal["line", "space"] = "line"
    display_name: ClassVar[str] = "Divider"


class Plan(Strict):
    name: ShortText
    price: ShortText
    period: OptionalText = ""
    features: list[ShortText] = Field(default_factory=list, max_length=20)
    cta_label: OptionalText = ""
    cta_url: OptionalUrl = ""
    featured: bool = False
    searchable_fields: ClassVar[tuple[str, ...]] = ("name", "price", "features")


@register
class PricingBlock(BaseBlock):
    type: Literal["pricing"]
    title: OptionalText = ""
    plans: list[Plan] = Field(min_length=1, max_length=4)
    display_name: ClassVar[str] = "Pricing plans"


@register
class AnswerBlock(BaseBlock):
    """A box where visitors ask the site a question and get an answer cited from its
    published pages (the answers app; streamed into the page, extractive without a model)."""

    type: Literal["answer"]
    title: OptionalText = ""
    question: OptionalText = Field("", description="A question filled in for the visitor (they can change it).")
    placeholder: OptionalText = ""
    searchable_fields: ClassVar[tuple[str, ...]] = ("title",)
    display_name: ClassVar[str] = "Ask the site"
