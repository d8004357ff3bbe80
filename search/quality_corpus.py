"""A labeled search-quality set: the help and shop pages of a bicycle shop (tenant
"Alpha Bikes"), and questions a customer would type, worded away from the answer.

The demo tenants hold four pages each, too few for recall@5 to mean anything (any
search returns all of them), so the quality test and bench/search_quality.py use this
set of 24 pages. Each query names the one page that answers it; most share no content
word with that page ("get my money back" for a page about refunds).
"""


def _p(text: str) -> dict:
    return {"type": "paragraph", "html": f"<p>{text}</p>"}


def _h(text: str) -> dict:
    return {"type": "heading", "text": text, "level": 2}


PAGES: list[dict] = [
    {
        "slug": "returns",
        "title": "Returns and refunds",
        "blocks": [
            _h("Sending an item back"),
            _p("Unused items can be returned within 30 days of delivery. Print the prepaid label from your account."),
            _h("Refunds"),
            _p("We credit the original payment method within five working days after the parcel reaches us."),
        ],
    },
    {
        "slug": "shipping",
        "title": "Delivery",
        "blocks": [
            _h("Delivery times"),
            _p("Orders placed before 2 pm leave the warehouse the same day and arrive in one to three days."),
            _h("Costs"),
            _p("Delivery is free above 50 euros; below that a flat fee of 4.95 applies. Bikes ship assembled."),
        ],
    },
    {
        "slug": "warranty",
        "title": "Warranty",
        "blocks": [
            _h("Frames"),
            _p("Every frame we sell is guaranteed for ten years against cracks and manufacturing defects."),
            _h("Components"),
            _p("Gears, brakes and wheels are covered for two years. Wear parts such as tyres and pads are excluded."),
        ],
    },
    {
        "slug": "payment",
        "title": "Payment methods",
        "blocks": [
            _p("We accept Visa, Mastercard, PayPal, iDEAL and bank transfer."),
            _h("Paying in instalments"),
            _p("Spread the cost of a bike over 3, 6 or 12 months at zero interest through our financing partner."),
        ],
    },
    {
        "slug": "sizing",
        "title": "Frame size guide",
        "blocks": [
            _p(
                "Measure your inside leg from the floor to the crotch, barefoot, and multiply by 0.66 for a road frame."
            ),
            _h("Between two sizes"),
            _p("Riders with long arms usually prefer the larger frame; a shorter stem fine-tunes the reach."),
        ],
    },
    {
        "slug": "workshop",
        "title": "Workshop and servicing",
        "blocks": [
            _h("Service plans"),
            _p("A basic tune-up costs 59 euros and includes brake adjustment, gear indexing and a safety check."),
            _h("Booking"),
            _p("Book a slot online; most repairs are ready within 48 hours and we text you when it is done."),
        ],
    },
    {
        "slug": "ebike-battery",
        "title": "E-bike battery care",
        "blocks": [
            _p("Lithium cells last longest when kept between 20 and 80 percent charge."),
            _h("Winter"),
            _p("Below freezing, store the pack indoors and let it warm up before charging it."),
        ],
    },
    {
        "slug": "store-hours",
        "title": "Visit our store",
        "blocks": [
            _p("The shop on Canal Street is open Tuesday to Saturday from 9 to 6, and until 8 on Thursdays."),
            _h("Parking"),
            _p("Free parking for two hours in the garage behind the building."),
        ],
    },
    {
        "slug": "gift-cards",
        "title": "Gift cards",
        "blocks": [
            _p("Gift cards come in any amount from 10 to 500 euros and are valid for three years."),
            _p("They can be spent online and in the store, and the balance carries over between purchases."),
        ],
    },
    {
        "slug": "test-rides",
        "title": "Test rides",
        "blocks": [
            _p("Try any bike in stock for 30 minutes on our test loop; bring an ID document as a deposit."),
            _h("Demo days"),
            _p("On the first Sunday of every month brands bring their new models to try in the park."),
        ],
    },
    {
        "slug": "trade-in",
        "title": "Trade in your old bike",
        "blocks": [
            _p("Bring your current bicycle and we value it on the spot against the purchase of a new one."),
            _p("The credit depends on age, condition and brand; frames with cracks cannot be accepted."),
        ],
    },
    {
        "slug": "lease",
        "title": "Business bike leasing",
        "blocks": [
            _p("Employers can offer staff a bike through salary sacrifice: the monthly cost is deducted before tax."),
            _p("Insurance and maintenance are included in the lease for the full 36-month term."),
        ],
    },
    {
        "slug": "insurance",
        "title": "Theft and damage insurance",
        "blocks": [
            _p("Cover your new bike against theft and accidental damage from 6 euros a month."),
            _h("Making a claim"),
            _p("Report a stolen bike to the police first, then send us the report number and the original invoice."),
        ],
    },
    {
        "slug": "kids-bikes",
        "title": "Bikes for children",
        "blocks": [
            _p("Balance bikes suit toddlers from two years; pedal bikes with 16 inch wheels fit ages four to six."),
            _h("Growing up"),
            _p("Our buy-back scheme refunds 40 percent of the price when your child moves up a size."),
        ],
    },
    {
        "slug": "tyres",
        "title": "Tyres and punctures",
        "blocks": [
            _p("Tubeless tyres seal small holes by themselves with liquid sealant inside the tyre."),
            _h("Pressure"),
            _p("Check inflation weekly: city tyres run at 3.5 to 5 bar, road tyres at 6 to 8 bar."),
        ],
    },
    {
        "slug": "locks",
        "title": "Choosing a lock",
        "blocks": [
            _p("A hardened steel D-lock rated Sold Secure Gold stops most thieves; add a cable for the front wheel."),
            _p("Always lock the frame to something fixed, never only the wheel."),
        ],
    },
    {
        "slug": "commuting",
        "title": "Riding to work",
        "blocks": [
            _p(
                "Mudguards, a rack with panniers and dynamo lights make a bicycle ready for daily travel to the office."
            ),
            _h("Rain"),
            _p("A breathable waterproof jacket and overshoes keep you dry on wet mornings."),
        ],
    },
    {
        "slug": "careers",
        "title": "Work with us",
        "blocks": [
            _p("We are hiring a bicycle mechanic and a part-time sales assistant for the Canal Street store."),
            _p("Send your CV and a few lines about your favourite ride to jobs@alpha.example."),
        ],
    },
    {
        "slug": "privacy",
        "title": "Privacy policy",
        "blocks": [
            _p("We store your name, address and order history only to deliver and support your purchases."),
            _p("You may ask for a copy of your personal data or its deletion at any time by email."),
        ],
    },
    {
        "slug": "account",
        "title": "Your account",
        "blocks": [
            _h("Password"),
            _p("Forgot your password? Use the reset link on the sign-in page; it expires after one hour."),
            _h("Order history"),
            _p("Invoices for every order can be downloaded as PDF from the orders tab."),
        ],
    },
    {
        "slug": "click-collect",
        "title": "Click and collect",
        "blocks": [
            _p("Order online and pick up your purchase in the store, usually the next working day, at no charge."),
            _p("We keep reserved items for seven days before returning them to stock."),
        ],
    },
    {
        "slug": "group-rides",
        "title": "Saturday group rides",
        "blocks": [
            _p(
                "Every Saturday at 8 we leave the store for a 60 km social ride at a relaxed pace; everyone is welcome."
            ),
            _p("Helmets are required and the route is posted on our club page on Friday evening."),
        ],
    },
    {
        "slug": "bike-fitting",
        "title": "Professional bike fitting",
        "blocks": [
            _p("A two-hour fitting session adjusts saddle height, setback and handlebar position to your body."),
            _p("It reduces knee and back pain on long rides and includes a follow-up after six weeks."),
        ],
    },
    {
        "slug": "sustainability",
        "title": "Our environmental commitments",
        "blocks": [
            _p("We repair rather than replace, recycle old tyres and inner tubes, and ship in recycled cardboard."),
            _p("The store runs on solar panels installed on the roof in 2023."),
        ],
    },
]

# (question, slug of the page that answers it)
QUERIES: list[tuple[str, str]] = [
    ("can I get my money back", "returns"),
    ("how long until the parcel arrives", "shipping"),
    ("my frame broke after three years, is that covered", "warranty"),
    ("can I pay monthly", "payment"),
    ("which size should I buy for my height", "sizing"),
    ("how much does a check-up for my bicycle cost", "workshop"),
    ("how to make an electric bike accumulator last longer", "ebike-battery"),
    ("when are you open on weekends", "store-hours"),
    ("present for a cyclist friend", "gift-cards"),
    ("can I try a bike before buying", "test-rides"),
    ("exchange my used bicycle for credit", "trade-in"),
    ("get a bicycle through my employer", "lease"),
    ("someone stole my bike what now", "insurance"),
    ("what should a five year old ride", "kids-bikes"),
    ("how hard should I pump my wheels", "tyres"),
    ("best way to protect my bicycle from thieves", "locks"),
    ("equipment for cycling to the office every day in bad weather", "commuting"),
    ("are there any job openings", "careers"),
    ("what do you do with my personal information", "privacy"),
    ("I cannot log in anymore", "account"),
    ("order on the website and fetch it at the shop", "click-collect"),
    ("is there a cycling club I can join", "group-rides"),
    ("my knees hurt after long distances", "bike-fitting"),
    ("is your company green", "sustainability"),
    ("what if I change my mind after buying", "returns"),
    ("do you charge for postage", "shipping"),
    ("brakes stopped working after a year, will you fix it for free", "warranty"),
    ("do you take credit cards", "payment"),
    ("how long does a repair take", "workshop"),
    ("charging a battery when it is very cold outside", "ebike-battery"),
    ("where can I leave my car when I visit", "store-hours"),
    ("voucher expiry date", "gift-cards"),
    ("my child outgrew the bicycle", "kids-bikes"),
    ("fix a flat without changing the tube", "tyres"),
    ("download a receipt of my purchase", "account"),
    ("adjust my saddle position properly", "bike-fitting"),
]


def corpus_load(*, embedder=None) -> None:
    """Publish and index the pages in the current tenant (replacing same-slug pages)."""
    from content.models import Page
    from content.services import page_create, page_publish
    from search.services import page_index

    Page.objects.filter(slug__in=[spec["slug"] for spec in PAGES]).delete()
    for spec in PAGES:
        page = page_publish(page=page_create(user=None, **spec), user=None)
        page_index(page_id=page.pk, embedder=embedder)


def corpus_evaluate(*, mode: str, embedder=None, k: int = 5) -> dict:
    """recall@k (the answer among the first k pages) and MRR (mean of 1/rank of the
    answer, 0 when absent from the first 10) over QUERIES, in the current tenant."""
    from search.selectors import search_pages

    found, reciprocal = 0, 0.0
    misses = []
    for question, slug in QUERIES:
        slugs = [hit.slug for hit in search_pages(query=question, mode=mode, limit=10, embedder=embedder)]
        if slug in slugs[:k]:
            found += 1
        else:
            misses.append(question)
        if slug in slugs:
            reciprocal += 1 / (slugs.index(slug) + 1)
    return {"mode": mode, "recall": found / len(QUERIES), "mrr": reciprocal / len(QUERIES), "misses": misses}


def corpus_table(rows: list[dict], k: int = 5) -> str:
    lines = [f"{'mode':<10}{'recall@' + str(k):>10}{'MRR':>8}   ({len(QUERIES)} queries, {len(PAGES)} pages)"]
    lines += [f"{row['mode']:<10}{row['recall']:>10.3f}{row['mrr']:>8.3f}" for row in rows]
    return "\n".join(lines)
