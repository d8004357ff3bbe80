"""Demo sites of the two demo tenants: a small robotics maker and a coffee roaster, and
the 20-block bench page that the demo, the tests and every benchmark share.

`"image_id": "@name"` stands for the library image made from `content.demo_art.ART[name]`;
the demo command uploads the art and puts the image's id in its place."""

import json
from pathlib import Path

# The product's own copy of the seed's 20-block page (the seed keeps the original beside the
# repository; nothing here may read outside it, so a fresh clone runs on its own).
BENCH_PAGE_PATH = Path(__file__).resolve().parent / "fixtures" / "page20.json"


def bench_page() -> dict:
    """The bench page as stored: `{slug, title, blocks, nav}`, blocks in the flat shape."""
    return json.loads(BENCH_PAGE_PATH.read_text())


ACME_NAV = [
    {"label": "Home", "url": "/"},
    {
        "label": "Company",
        "url": "/about/",
        "children": [{"label": "About us", "url": "/about/"}, {"label": "Field notes", "url": "/blog/cobots-guide/"}],
    },
    {"label": "Pricing", "url": "/pricing/"},
    {"label": "Field notes", "url": "/blog/cobots-guide/"},
    {"label": "Contact", "url": "mailto:hello@acme.example"},
]

GLOBEX_NAV = [
    {"label": "Home", "url": "/"},
    {"label": "Our story", "url": "/about/"},
    {"label": "Subscriptions", "url": "/pricing/"},
    {"label": "Brew guide", "url": "/journal/pour-over-guide/"},
    {"label": "Visit us", "url": "/about/#visit"},
]


def _p(*paragraphs: str) -> list[dict]:
    return [{"type": "paragraph", "html": f"<p>{text}</p>"} for text in paragraphs]


ACME = [
    {
        "slug": "",
        "title": "Acme Robotics",
        "meta_description": "Collaborative robot arms for small factories: installed in a week, paid back in a year.",
        "blocks": [
            {
                "type": "hero",
                "title": "Robot arms that small factories can actually afford",
                "subtitle": "Acme cobots pick, pack and tend machines next to your team. "
                "Installed in a week, programmed by drag and drop, paid back in under a year.",
                "cta_label": "See pricing",
                "cta_url": "/pricing/",
                "image_id": "@acme-hero",
            },
            {
                "type": "cards",
                "title": "What our arms do all day",
                "items": [
                    {
                        "title": "Pick and place",
                        "text": "Up to 30 picks a minute with vision-guided grippers.",
                        "image_id": "@acme-pick",
                    },
                    {
                        "title": "Machine tending",
                        "text": "Load your CNC at 3 a.m. without anyone on shift.",
                        "image_id": "@acme-tend",
                    },
                    {
                        "title": "Palletising",
                        "text": "Stack boxes in any pattern; change it from a tablet.",
                        "image_id": "@acme-pallet",
                    },
                    {
                        "title": "Quality checks",
                        "text": "Camera inspection that logs every part it rejects.",
                        "image_id": "@acme-check",
                    },
                ],
            },
            {"type": "heading", "text": "Why teams switch to Acme", "level": 2},
            {
                "type": "feature_list",
                "items": [
                    "No safety cage: force sensing stops the arm at a touch",
                    "Teach a task by moving the arm by hand",
                    "Works with the PLCs and conveyors you already own",
                    "Spare parts shipped within 24 hours across Europe",
                ],
            },
            {
                "type": "quote",
                "text": "We automated our night shift packing line in nine days. "
                "The arm paid for itself in eight months.",
                "author": "Marta Kowalski, operations lead at Nordhaus Metalworks",
            },
            {
                "type": "cta",
                "text": "Book a free on-site assessment of your line.",
                "label": "Talk to an engineer",
                "url": "mailto:hello@acme.example",
            },
        ],
    },
    {
        "slug": "about",
        "title": "About us",
        "meta_description": "Acme Robotics builds collaborative robots in Eindhoven since 2014.",
        "blocks": [
            {"type": "heading", "text": "Built by engineers who ran factories", "level": 1},
            *_p(
                "Acme Robotics started in 2014 in a rented corner of a metal shop in Eindhoven. Our founders had "
                "spent a decade running production lines and were tired of automation that only car makers "
                "could afford.",
                "Today 48 people design, build and support our arms. Every one of them is assembled and tested "
                "in our own workshop, and every customer gets a named engineer for the first year.",
            ),
            {
                "type": "columns",
                "columns": [
                    {"title": "1,200+", "html": "<p>arms running in 19 countries</p>"},
                    {"title": "97%", "html": "<p>of customers buy a second arm</p>"},
                    {"title": "24 h", "html": "<p>spare part delivery in the EU</p>"},
                ],
            },
            {"type": "heading", "text": "Our team", "level": 2},
            {
                "type": "table",
                "header": ["Name", "Role", "Based in"],
                "rows": [
                    ["Joris van Dam", "Co-founder, CEO", "Eindhoven"],
                    ["Priya Raman", "Co-founder, CTO", "Eindhoven"],
                    ["Lena Fischer", "Head of customer engineering", "Munich"],
                ],
            },
        ],
    },
    {
        "slug": "pricing",
        "title": "Pricing",
        "meta_description": "Buy or lease an Acme cobot. All plans include installation and training.",
        "blocks": [
            {"type": "heading", "text": "Simple pricing, installation included", "level": 1},
            {
                "type": "pricing",
                "plans": [
                    {
                        "name": "Lease",
                        "price": "€890",
                        "period": "month",
                        "features": ["A1 arm and gripper", "Installation and training", "Cancel after 12 months"],
                        "cta_label": "Start a lease",
                        "cta_url": "mailto:sales@acme.example",
                    },
                    {
                        "name": "Buy",
                        "price": "€24,500",
                        "period": "once",
                        "features": ["A1 arm and gripper", "Installation and training", "3-year warranty"],
                        "cta_label": "Get a quote",
                        "cta_url": "mailto:sales@acme.example",
                        "featured": True,
                    },
                    {
                        "name": "Fleet",
                        "price": "Custom",
                        "features": ["5 arms or more", "Dedicated engineer", "Line design workshop"],
                        "cta_label": "Contact sales",
                        "cta_url": "mailto:sales@acme.example",
                    },
                ],
            },
            {
                "type": "faq",
                "title": "Questions we hear a lot",
                "items": [
                    {
                        "question": "Do I need a robot programmer?",
                        "answer": "<p>No. Operators teach tasks by hand and on a tablet; our training takes a day.</p>",
                    },
                    {
                        "question": "What payload can the arm handle?",
                        "answer": "<p>The A1 lifts up to 12 kg with a reach of 1,300 mm.</p>",
                    },
                    {
                        "question": "Is there a minimum contract?",
                        "answer": "<p>Leases run at least 12 months, then month to month.</p>",
                    },
                ],
            },
        ],
    },
    {
        "slug": "blog/cobots-guide",
        "title": "A practical guide to your first cobot",
        "meta_description": "How to pick the first task to automate, prepare the cell and measure payback.",
        "blocks": [
            {"type": "heading", "text": "A practical guide to your first cobot", "level": 1},
            {"type": "image", "image_id": "@field-notes", "caption": "Field notes"},
            *_p(
                "Most first robot projects fail for boring reasons: the wrong task, a cell nobody measured, or "
                "a payback plan that assumed three shifts when the factory runs one. This guide is what we "
                "tell every customer before they sign anything.",
            ),
            {"type": "heading", "text": "1. Pick a dull, steady task", "level": 2},
            *_p(
                "The best first task is repetitive, happens every day and has parts that arrive in the same "
                "orientation. Machine tending and end-of-line packing are the classics.",
                "Avoid tasks that change weekly or need fine judgement; they are great second projects once your "
                "team trusts the robot.",
            ),
            {"type": "heading", "text": "2. Measure the cell", "level": 2},
            *_p(
                "Write down cycle times, part weights and the space around the station. A phone video of a full "
                "shift is worth more than any spreadsheet.",
            ),
            {
                "type": "table",
                "caption": "A typical machine-tending cell",
                "header": ["Measure", "Before", "With cobot"],
                "rows": [
                    ["Parts per shift", "420", "610"],
                    ["Unattended hours", "0", "6"],
                    ["Operator time at the machine", "100%", "15%"],
                ],
            },
            {"type": "heading", "text": "3. Plan the payback honestly", "level": 2},
            *_p(
                "Count only the hours the robot will really run. Include training, a spare gripper and a week of "
                "tuning. If the numbers still work on one shift, you have a good project.",
            ),
            {
                "type": "code",
                "language": "text",
                "code": "payback_months = robot_cost / (hours_saved_per_month * hourly_cost)\n"
                "              = 24500 / (160 * 19.50)\n              = 7.9",
            },
            {
                "type": "quote",
                "text": "Start with the job nobody wants. "
                "The team will thank you, and they will help the robot succeed.",
                "author": "Lena Fischer",
            },
            {"type": "divider"},
            {"type": "cta", "text": "Want us to look at your line?", "label": "Book an assessment", "url": "/pricing/"},
        ],
    },
]

GLOBEX = [
    {
        "slug": "",
        "title": "Globex Coffee",
        "meta_description": "Small-batch coffee roasted every Tuesday in Lisbon and shipped the same week.",
        "blocks": [
            {
                "type": "hero",
                "title": "Coffee roasted on Tuesday, in your cup by Friday",
                "subtitle": "We roast small batches of single-origin beans in Lisbon and ship them the same week, "
                "straight from the farms we know by name.",
                "cta_label": "Choose a subscription",
                "cta_url": "/pricing/",
                "image_id": "@globex-hero",
            },
            {"type": "heading", "text": "This month's beans", "level": 2},
            {
                "type": "cards",
                "items": [
                    {
                        "title": "Ethiopia Guji",
                        "text": "Peach, jasmine, black tea. Washed, light roast.",
                        "image_id": "@globex-guji",
                    },
                    {
                        "title": "Colombia Huila",
                        "text": "Red apple, caramel, cocoa. Washed, medium roast.",
                        "image_id": "@globex-huila",
                    },
                    {
                        "title": "Brazil Cerrado",
                        "text": "Hazelnut, milk chocolate. Natural, espresso roast.",
                        "image_id": "@globex-cerrado",
                    },
                ],
            },
            {
                "type": "feature_list",
                "title": "Why people stay",
                "items": [
                    "Roast date printed on every bag",
                    "Free shipping in Portugal and Spain",
                    "Pause or skip a delivery in one click",
                    "Farmers paid at least twice the market price",
                ],
            },
            {
                "type": "quote",
                "text": "The Guji changed how I think about coffee. It tastes like fruit, not like burnt toast.",
                "author": "Inês, subscriber since 2021",
            },
            {"type": "cta", "text": "First bag half price.", "label": "Start brewing", "url": "/pricing/"},
        ],
    },
    {
        "slug": "about",
        "title": "Our story",
        "meta_description": "Globex Coffee is a two-roaster café and roastery in Lisbon's Graça district.",
        "blocks": [
            {"type": "heading", "text": "A roastery the size of a living room", "level": 1},
            *_p(
                "Globex began in 2017 with a 5 kg roaster in a garage in Graça. Ana roasted, Tomás drove the "
                "deliveries, and the neighbours were the tasting panel.",
                "We still roast every batch by hand and cup every roast before it ships. We buy from eleven farms "
                "directly and visit each of them every other year.",
            ),
            {
                "type": "video",
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "title": "A roast day at Globex",
                "caption": "A roast day at Globex, from green beans to bags.",
            },
            {"type": "heading", "text": "Visit us", "level": 2},
            {
                "type": "table",
                "header": ["Day", "Café hours"],
                "rows": [["Monday to Friday", "8:00 to 17:00"], ["Saturday", "9:00 to 14:00"], ["Sunday", "Closed"]],
            },
        ],
    },
    {
        "slug": "pricing",
        "title": "Subscriptions",
        "meta_description": "Coffee subscriptions from €12 a bag, roasted fresh every week.",
        "blocks": [
            {"type": "heading", "text": "Fresh coffee, on your schedule", "level": 1},
            {
                "type": "pricing",
                "plans": [
                    {
                        "name": "Taster",
                        "price": "€12",
                        "period": "bag",
                        "features": ["250 g every month", "Rotating single origin", "Skip any month"],
                        "cta_label": "Subscribe",
                        "cta_url": "mailto:orders@globex.example",
                    },
                    {
                        "name": "Daily brewer",
                        "price": "€21",
                        "period": "2 bags",
                        "features": ["2 × 250 g every two weeks", "Choose your roast", "Free shipping"],
                        "cta_label": "Subscribe",
                        "cta_url": "mailto:orders@globex.example",
                        "featured": True,
                    },
                    {
                        "name": "Office",
                        "price": "€58",
                        "period": "month",
                        "features": ["3 kg a month", "Grinder on loan", "Barista training visit"],
                        "cta_label": "Ask us",
                        "cta_url": "mailto:office@globex.example",
                    },
                ],
            },
            {
                "type": "faq",
                "items": [
                    {
                        "question": "Whole bean or ground?",
                        "answer": "<p>Whole bean by default; choose a grind at checkout.</p>",
                    },
                    {
                        "question": "When do you ship?",
                        "answer": "<p>Every Wednesday, the day after roasting.</p>",
                    },
                ],
            },
        ],
    },
    {
        "slug": "journal/pour-over-guide",
        "title": "The pour-over guide",
        "meta_description": "How we brew pour-over at the café: ratio, grind, water and timing.",
        "blocks": [
            {"type": "heading", "text": "The pour-over guide", "level": 1},
            {"type": "image", "image_id": "@field-notes", "caption": "From the journal"},
            *_p(
                "Pour-over is the simplest way to taste what a coffee really is. Four things matter: the ratio, "
                "the grind, the water and your patience. Here is how we brew at the bar.",
            ),
            {"type": "heading", "text": "The recipe", "level": 2},
            {
                "type": "table",
                "header": ["", "Amount"],
                "rows": [["Coffee", "15 g"], ["Water", "250 g at 94 °C"], ["Grind", "Medium-fine, like sea salt"]],
            },
            {"type": "heading", "text": "Step by step", "level": 2},
            *_p(
                "Rinse the paper filter with hot water and discard it; this removes the papery taste and warms "
                "the brewer.",
                "Pour 40 g of water to wet all the grounds and wait 30 seconds. Fresh coffee will bubble as it "
                "releases gas: that is the bloom.",
                "Pour the rest in slow circles in two or three stages, keeping the bed level. Aim to finish "
                "dripping around 3 minutes.",
            ),
            {
                "type": "feature_list",
                "title": "If it tastes wrong",
                "items": [
                    "Sour and thin: grind finer",
                    "Bitter and dry: grind coarser",
                    "Flat: use fresher beans (roasted within 4 weeks)",
                ],
            },
            {"type": "quote", "text": "Weigh your coffee once and you will never go back to scoops.", "author": "Ana"},
            {"type": "cta", "label": "Get beans for your next brew", "url": "/pricing/", "style": "secondary"},
        ],
    },
]

DEMO_SITES = {"acme": (ACME, ACME_NAV), "globex": (GLOBEX, GLOBEX_NAV)}
