"""The background: what a question about something else looks like.

A site's pages always hold a "nearest" passage, even for a question about flights on a
bike shop's site, and with a small sentence model the best passage of such a question
can score as high as the answer to a hard paraphrase of the site's own subject (both
≈0.3-0.45). What tells them apart is not how close the site comes, but whether the
question is *closer to some other subject*: "cheap flights to Rome" is ≈0.5 from a line
about flights and airlines, "voucher expiry date" is far from every line below and near
the gift-card page.

So a question is compared with a fixed list of general subjects, one line each, written
as a web directory lists them (arts, business, computers, health, home, travel, news,
sports...), not from any site's questions; a page is a result only if it scores at least
the question's best background similarity minus SEARCH_BACKGROUND_MARGIN
(search.selectors.search_pages). The site's own subject is in the list too ("Bicycles,
cycling and bike repairs"): its questions are still closer to the site's specific pages
than to a one-line subject, which is why the margin works without removing it, and a
tenant of any trade gets the same list.

The lines are embedded once per process and embedder (and cached in Redis like query
vectors), ~180 vectors: comparing a query with them is one small matrix product.
"""

import functools
import hashlib
import re
import threading

import numpy as np
import wordfreq
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from redis import RedisError

from config.outage import outage_log
from search.embedders import Embedder, embed_checked

BACKGROUND_TOPICS: tuple[str, ...] = (
    # arts and entertainment
    "Films, cinema listings and movie reviews.",
    "Television series and streaming services.",
    "Music albums, concerts, festivals and charts.",
    "Books, novels, authors and libraries.",
    "Painting, drawing, sculpture and art galleries.",
    "Theatre, opera and ballet tickets.",
    "Photography, cameras and photo editing.",
    "Celebrities, gossip and famous people.",
    "Video games, consoles and gaming.",
    "Board games, puzzles and card games.",
    # business and money
    "Stock markets, shares and investing.",
    "Banks, bank accounts, loans and mortgages.",
    "Taxes, tax returns and accountants.",
    "Insurance for cars, homes, travel and life.",
    "Cryptocurrency and bitcoin.",
    "Pensions, savings and retirement.",
    "Starting a small business and marketing.",
    "Real estate, renting a flat and buying a house.",
    "Job search, CVs and interviews in any industry.",
    "Economy, inflation and interest rates.",
    # computers and technology
    "Smartphones, tablets and laptops.",
    "Internet, broadband and Wi-Fi.",
    "Programming languages and software development.",
    "Social networks, email and messaging apps.",
    "Computer viruses, passwords and online security.",
    "Artificial intelligence and chatbots.",
    "Industrial robots, automation and manufacturing machinery.",
    "Electronics, gadgets and smart home devices.",
    # health
    "Doctors, hospitals and medical appointments.",
    "Dentists, teeth and oral hygiene.",
    "Eyesight, opticians and glasses.",
    "Hearing problems and hearing aids.",
    "Medicines, pharmacies and prescriptions.",
    "Illnesses, symptoms and treatments.",
    "Mental health, stress and anxiety.",
    "Diet, nutrition and losing weight.",
    "Fitness, gyms and exercise.",
    "Pregnancy, babies and parenting.",
    "Alternative medicine and massage.",
    # home and garden
    "Gardening, plants and vegetables.",
    "Cooking, recipes and baking.",
    "Cleaning and household chores.",
    "Home appliances: vacuum cleaners, washing machines and fridges.",
    "Furniture and interior design.",
    "DIY, plumbing, electrics and home repairs.",
    "Pets: dogs, cats, vets and pet food.",
    "Weddings, parties and celebrations.",
    # food and drink
    "Restaurants, cafés and takeaways.",
    "Coffee, espresso and coffee machines.",
    "Tea and herbal drinks.",
    "Wine, beer and spirits.",
    "Vegetarian and vegan food.",
    # travel and transport
    "Flights, airlines and airports.",
    "Hotels, hostels and holiday rentals.",
    "Trains, buses and public transport timetables.",
    "Tourist attractions, museums and sightseeing in cities.",
    "Passports, visas and border rules.",
    "Cars: buying, servicing and repairs.",
    "Motorbikes and scooters.",
    "Bicycles, cycling and bike repairs.",
    "Boats, sailing and cruises.",
    # news and society
    "World news and current events.",
    "Politics, elections and government.",
    "Law, lawyers and court cases.",
    "Religion and spirituality.",
    "Charities and volunteering.",
    "Crime and police.",
    "Climate change and the environment.",
    # weather and nature
    "Weather forecasts, rain and temperatures.",
    "Animals, wildlife and nature.",
    "Space, planets and astronomy.",
    # education and reference
    "Schools, universities and online courses.",
    "Learning languages.",
    "History and historical events.",
    "Mathematics and science questions.",
    "Dictionaries, translations and definitions.",
    "Maps, directions and addresses of places.",
    # shopping and style
    "Clothes, shoes and fashion.",
    "Beauty, cosmetics, hairdressers and salons.",
    "Jewellery and watches.",
    "Toys and gifts for children.",
    "Online shopping, deals and discount codes.",
    # sports and recreation
    "Football, matches and league results.",
    "Tennis, golf and basketball.",
    "Running, marathons and athletics.",
    "Hiking, camping and outdoor activities.",
    "Swimming, surfing and water sports.",
    "Fishing and hunting.",
    "Skiing and winter sports.",
    "Motor racing and Formula 1.",
    # noise
    "Random letters, typos and keyboard mashing.",
)


def _priced(topic: str) -> str:
    return f"Prices and costs of {topic[0].lower()}{topic[1:].rstrip('.')}"


# Each subject also as what it costs: "root canal treatment cost" or "teeth whitening
# price" asked of a coffee roaster is closer to the price of a dentist than to a subject
# line, and the roaster's price list is what the site's own best page would be. (Chosen
# among a few generic intents, "where to find", "how to choose", on the calibration
# sites: docs/benchmarks.md.)
BACKGROUND_LINES: tuple[str, ...] = BACKGROUND_TOPICS + tuple(_priced(topic) for topic in BACKGROUND_TOPICS)

_vectors: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def _digest() -> str:
    return hashlib.sha256("\n".join(BACKGROUND_LINES).encode()).hexdigest()[:16]


def background_vectors(embedder: Embedder) -> np.ndarray:
    """The background lines' unit vectors (rows) for this embedder, computed once per process."""
    name = getattr(embedder, "name", type(embedder).__name__)
    with _lock:
        if name in _vectors:
            return _vectors[name]
    # Stored as float32 bytes (~280 KB): a pickled list of floats takes ten times longer
    # to load, and every new process reads it once.
    key = f"search:background:f32:{name}:{_digest()}"
    try:
        stored = cache.get(key)
    except RedisError as exc:
        outage_log("redis", "background vectors computed without their cache", exc)
        stored = None
    # The rare-word veto's English word list (~0.5 s to load) is read here too, once per
    # process, so the first question that needs it does not wait: the list rare_words
    # reads (the large one is ~80 MB in a web worker).
    threshold = settings.SEARCH_RARE_WORD_ZIPF
    if threshold > 0:
        word_zipf("the", wordlist=_wordlist(threshold))
    if stored is None:
        matrix = np.asarray(embed_checked(embedder, list(BACKGROUND_LINES)), dtype=np.float32)
        try:
            cache.set(key, matrix.tobytes(), None)
        except RedisError as exc:
            outage_log("redis", "background vectors computed without their cache", exc)
    else:
        matrix = np.frombuffer(stored, dtype=np.float32).reshape(len(BACKGROUND_LINES), -1)
    with _lock:
        _vectors[name] = matrix
    return matrix


def background_similarity(vector: list[float], *, embedder: Embedder) -> float:
    """The cosine similarity of the query's vector with its closest background topic."""
    return float(np.max(background_vectors(embedder) @ np.asarray(vector, dtype=np.float32)))


# The second witness: words. A sentence model of 384 dimensions puts "kayak rental on the
# lake" near a bike shop's leasing page and "how to brew matcha tea" near a roastery's
# brewing guide (both ≈ the similarity of a hard paraphrase of the site's own subject),
# while the question holds a word that is rare in English and that the site never uses
# ("kayak", "matcha"). Such a word is strong evidence that the question is about something else, but
# paraphrases use words the site doesn't too ("toddlers" for kids' bikes), so a word only
# vetoes a page whose meaning match is weak as well (search.selectors.background_passes).
# Rarity is wordfreq's Zipf frequency (log10 of uses per billion words: "the" 7.7, "bike"
# 4.6, "kayak" 3.3; names and typos it never saw are 0); the site's vocabulary is its
# published chunks' tsvector, asked through the GIN index only for the question's rare
# words and only when the meaning match is weak.
_WORD_RE = re.compile(r"[^\W\d_]{3,}")


# wordfreq's "small" list holds the words used at least once per million (Zipf >= 3) with
# the same values as its large one, and 0 for the rest ("expiry", 3.0 rounded, is not in
# it): for a threshold above 3 the "rarer than" answer is the same, in 4 MB of a web worker's memory instead of ~40.
_SMALL_LIST_FROM_ZIPF = 3.0


@functools.lru_cache(maxsize=8192)
def word_zipf(word: str, *, wordlist: str = "best") -> float:
    """How common a (lower-case) word is in English, on the Zipf scale (0: never seen)."""
    return wordfreq.zipf_frequency(word, "en", wordlist=wordlist)


def rare_words(query: str, *, below: float) -> list[str]:
    """The question's words (letters only, three or more) rarer in English than `below`."""
    words = {match.lower() for match in _WORD_RE.findall(query)}
    wordlist = _wordlist(below)
    return sorted(word for word in words if word_zipf(word, wordlist=wordlist) < below)


def _wordlist(below: float) -> str:
    return "small" if below > _SMALL_LIST_FROM_ZIPF else "best"


# A word is the site's if any published chunk holds its lexeme(s) (plainto_tsquery stems
# it the way the chunks were: "kayaks" finds "kayak"); a word that is only a stop word
# parses to an empty query and is nobody's evidence (NULL).
_PRESENCE_SQL = """
SELECT w, CASE WHEN numnode(plainto_tsquery(%(config)s::regconfig, w)) = 0 THEN NULL ELSE EXISTS (
    SELECT 1 FROM search_chunk c JOIN content_page p ON p.id = c.page_id
    WHERE p.status = 'published' AND c.search_vector @@ plainto_tsquery(%(config)s::regconfig, w)
) END
FROM unnest(%(words)s::text[]) w
"""


def words_known(words: list[str]) -> dict[str, bool | None]:
    """For each of `words`: whether the current tenant's published pages use it (None for
    a stop word). One statement, an index probe per word."""
    if not words:
        return {}
    from search.models import SEARCH_CONFIG

    with connection.cursor() as cursor:
        cursor.execute(_PRESENCE_SQL, {"words": list(words), "config": SEARCH_CONFIG})
        return dict(cursor.fetchall())


def words_unknown(words: list[str]) -> list[str]:
    """Which of `words` the current tenant's published pages never use (stop words aside)."""
    return sorted(word for word, known in words_known(words).items() if known is False)
