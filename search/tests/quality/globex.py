"""Globex Coffee (a Lisbon roastery): the demo tenant's four pages as shipped
(content.demo) plus thirteen pages written for this set."""

from content.demo import GLOBEX
from search.tests.quality.blocks import demo_pages, faq, features, p, table
from search.tests.quality.sets import Site, exact, none, paraphrase

PAGES = [
    *demo_pages(GLOBEX),
    {
        "slug": "coffees/ethiopia-guji",
        "title": "Ethiopia Guji",
        "blocks": [
            p(
                "Grown at 2,100 metres around the Uraga washing station in the Guji zone, from heirloom "
                "varieties picked by smallholders."
            ),
            table(["", ""], ["Process", "Washed"], ["Roast", "Light"], ["Price", "€15.50 for 250 g"]),
            p("In the cup: peach, jasmine and black tea. Best as pour-over or filter."),
        ],
    },
    {
        "slug": "coffees/colombia-huila",
        "title": "Colombia Huila",
        "blocks": [
            p(
                "From Finca El Mirador, where Don Arley Ortiz grows caturra and castillo on steep slopes "
                "above the Magdalena river."
            ),
            p("Washed and dried on raised beds. Red apple, caramel and cocoa; €13.90 for 250 g."),
        ],
    },
    {
        "slug": "coffees/brazil-cerrado",
        "title": "Brazil Cerrado",
        "blocks": [
            p(
                "A natural-process coffee from Fazenda Santa Luzia in Minas Gerais, dried whole in the "
                "cherry under the sun."
            ),
            p("Hazelnut and milk chocolate, low acidity, our espresso roast; €11.50 for 250 g."),
        ],
    },
    {
        "slug": "coffees/decaf",
        "title": "Sugarcane decaf",
        "blocks": [
            p(
                "A Colombian coffee decaffeinated with ethyl acetate made from fermented sugarcane: "
                "99.9% of the caffeine goes, the sweetness stays."
            ),
            p("No dichloromethane, no chemical aftertaste. Sweet, with notes of panela and orange."),
        ],
    },
    {
        "slug": "equipment",
        "title": "Brewing gear",
        "blocks": [
            table(
                ["Item", "What it does", "Price"],
                ["Burr One hand grinder", "38 mm stainless steel burrs, 40 clicks", "€189"],
                ["Onda dripper", "Ceramic cone for one or two cups", "€29"],
                ["Fina kettle", "Gooseneck, 0.9 l, temperature display", "€65"],
                ["Brew scale", "0.1 g steps with a timer", "€39"],
            ),
            p("Everything we sell we use at the bar every day."),
        ],
    },
    {
        "slug": "wholesale",
        "title": "Coffee for cafés and restaurants",
        "blocks": [
            p(
                "We supply cafés, restaurants and hotels from 5 kg a week. Most of them pour our Graça Blend, "
                "a chocolatey espresso that holds up in milk."
            ),
            features(
                "Espresso machine installation and yearly servicing",
                "Barista training for your team",
                "Roasted to order, delivered by our own van in Lisbon",
                title="What our partners get",
            ),
        ],
    },
    {
        "slug": "shipping",
        "title": "Shipping",
        "blocks": [
            table(
                ["Destination", "Cost", "Time"],
                ["Portugal", "free", "1-2 days"],
                ["Spain", "free", "2-3 days"],
                ["Rest of the EU", "€6.90", "3-5 days"],
            ),
            p("We do not ship outside the European Union for now."),
        ],
    },
    {
        "slug": "cafe",
        "title": "The café",
        "blocks": [
            p(
                "Our café at the roastery serves espresso from €1.20, filter of the day and pastel de nata "
                "from the bakery next door. Oat milk costs €0.40 extra."
            ),
            p("Dogs are welcome inside. There is free wifi, but laptops stay closed on Saturdays."),
        ],
    },
    {
        "slug": "journal/espresso-at-home",
        "title": "Dialling in espresso at home",
        "blocks": [
            p(
                "Start with 18 g in and 36 g out in 28 seconds. If the shot runs fast and tastes sharp, "
                "grind finer; if it chokes and tastes harsh, grind coarser."
            ),
            p("Change one thing at a time and taste every shot. Beans need a week of rest after roasting."),
        ],
    },
    {
        "slug": "journal/cold-brew",
        "title": "Cold brew",
        "blocks": [
            p(
                "Mix coarse ground coffee and cold water at 1:8 and leave it 16 hours in the fridge. "
                "Filter it twice and dilute the concentrate one to one with water or milk over ice."
            ),
            p("It keeps for a week, closed, in the fridge."),
        ],
    },
    {
        "slug": "journal/storing-beans",
        "title": "Keeping beans at their best",
        "blocks": [
            p(
                "Air, light, heat and moisture age coffee. Keep the bag closed with its valve, in a cupboard, "
                "and finish it within a month of the roast date."
            ),
            p("Never the fridge: the beans take in smells and damp. Freeze only sealed portions you will not open."),
        ],
    },
    {
        "slug": "workshops",
        "title": "Workshops",
        "blocks": [
            faq(
                ("Cupping Saturday", "Taste six coffees side by side with our roaster. €25, first Saturday."),
                ("Home barista course", "Three hours on espresso and milk at our machines. €75 with lunch."),
            ),
        ],
    },
    {
        "slug": "sustainability",
        "title": "How we buy and roast",
        "blocks": [
            p(
                "We buy directly from eleven farms and pay at least twice the market price, agreed before "
                "the harvest. Our bags are compostable and the roaster burns its own smoke."
            ),
        ],
    },
    {
        "slug": "gifts",
        "title": "Gifts",
        "blocks": [
            p(
                "Give three, six or twelve months of coffee. We send a card with the first bag, and you "
                "choose when the gift starts."
            ),
            p("Gift vouchers from €20 can be spent on beans, gear and workshops."),
        ],
    },
    {
        "slug": "orders",
        "title": "Orders and returns",
        "blocks": [
            faq(
                ("My bag arrived damaged", "Send us a photo and we post a new one at once."),
                ("Can I return coffee?", "Unopened bags within 14 days; gear within 30 days."),
            ),
        ],
    },
]

QUESTIONS = [
    paraphrase("which of your beans tastes fruity", "coffees/ethiopia-guji", ""),
    paraphrase("coffee that won't keep me awake at night", "coffees/decaf"),
    paraphrase("can I stop my deliveries while I'm on holiday", "pricing", ""),
    paraphrase("how should I keep coffee fresh at home", "journal/storing-beans"),
    paraphrase("my coffee tastes sour what am I doing wrong", "journal/pour-over-guide", "journal/espresso-at-home"),
    paraphrase("do you sell to restaurants", "wholesale"),
    paraphrase("learn to make coffee like a professional", "workshops", "wholesale"),
    paraphrase("how much is postage to France", "shipping"),
    paraphrase("are the growers treated fairly", "sustainability", ""),
    paraphrase("can I bring my pet", "cafe"),
    paraphrase("are you open on Sunday", "about"),
    paraphrase("iced coffee made overnight", "journal/cold-brew"),
    paraphrase("a present for someone who loves coffee", "gifts"),
    paraphrase("the package came broken", "orders"),
    exact("Guji", "coffees/ethiopia-guji", ""),
    exact("Fazenda Santa Luzia", "coffees/brazil-cerrado"),
    exact("Burr One grinder", "equipment"),
    exact("Graça Blend", "wholesale"),
    exact("€21 2 bags", "pricing"),
    exact("18 g in 36 g out", "journal/espresso-at-home"),
    exact("1:8 16 hours", "journal/cold-brew"),
    exact("Don Arley Ortiz", "coffees/colombia-huila"),
    exact("ethyl acetate", "coffees/decaf"),
    exact("pastel de nata", "cafe"),
    exact("Cupping Saturday €25", "workshops"),
    exact("Onda dripper", "equipment"),
    exact("€6.90 EU", "shipping"),
    none("payload of the robot arm"),
    none("how do I fix a puncture"),
    none("teeth whitening price"),
    none("how to file a tax return"),
    none("xkcd qwerty asdf"),
    none("train timetable to Porto"),
    none("do you sell tea", near=True),
    none("opening hours of the Lisbon aquarium", near=True),
]

SITE = Site(name="globex", pages=PAGES, questions=QUESTIONS)
