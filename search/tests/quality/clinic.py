"""Riverside Dental (a dental practice): a third domain, its sixteen pages written for
this set, with the vocabulary of a clinic (treatments, fees, codes, people)."""

from search.tests.quality.blocks import faq, features, h, p, table
from search.tests.quality.sets import Site, exact, none, paraphrase

PAGES = [
    {
        "slug": "",
        "title": "Riverside Dental",
        "blocks": [
            p(
                "A family dental practice by the river in Kingsbridge since 1998. Three dentists, two "
                "hygienists and a team that remembers your name."
            ),
            features(
                "Evening appointments on Tuesdays and Thursdays",
                "Same-day appointments for emergencies",
                "Digital X-rays with a fraction of the radiation",
                title="Why patients stay",
            ),
        ],
    },
    {
        "slug": "check-ups",
        "title": "Check-ups and hygiene",
        "blocks": [
            p(
                "A check-up looks at your teeth, gums and the soft tissues of your mouth, including a screening "
                "for oral cancer. Most adults need one every six to twelve months."
            ),
            h("Hygienist visits"),
            p(
                "The hygienist removes tartar and stains in a 30 minute scale and polish and shows you how to "
                "clean between your teeth. We recommend a visit every six months."
            ),
        ],
    },
    {
        "slug": "fees",
        "title": "Fees",
        "blocks": [
            table(
                ["Code", "Treatment", "Fee"],
                ["EX1", "New patient examination", "£75"],
                ["EX2", "Routine check-up", "£45"],
                ["HY1", "Scale and polish", "£65"],
                ["FL2", "White filling", "from £120"],
                ["CR1", "Porcelain crown", "£650"],
                ["RC3", "Root canal, molar", "£780"],
                ["IM1", "Single implant with crown", "£2,400"],
                ["WH1", "Home whitening", "£350"],
                ["OR1", "ClearStep aligners", "from £2,900"],
            ),
            p("Fees are payable on the day. Treatment over £1,000 can be spread over 12 months interest-free."),
        ],
    },
    {
        "slug": "whitening",
        "title": "Teeth whitening",
        "blocks": [
            p(
                "We make trays that fit your teeth exactly and give you a gel of 10% carbamide peroxide to "
                "wear at night for two weeks."
            ),
            p(
                "Some people feel mild sensitivity for a few days. Results last one to three years, longer "
                "if you go easy on red wine and coffee."
            ),
        ],
    },
    {
        "slug": "implants",
        "title": "Dental implants",
        "blocks": [
            p(
                "An implant is a titanium post placed in the jaw where a tooth is missing; once the bone has "
                "grown around it, a crown is fixed on top. We use Straumann implants."
            ),
            p(
                "Healing takes three to six months. If the bone is too thin, a bone graft comes first. "
                "Dr Okafor places every implant herself and guarantees it for ten years."
            ),
        ],
    },
    {
        "slug": "orthodontics",
        "title": "ClearStep aligners",
        "blocks": [
            p(
                "ClearStep aligners straighten teeth with a series of clear, removable trays instead of "
                "brackets and wires. You change to the next tray every two weeks and wear them 22 hours a day."
            ),
            p("Treatment takes six to eighteen months, then a retainer keeps the result."),
        ],
    },
    {
        "slug": "emergency",
        "title": "Dental emergencies",
        "blocks": [
            p("Call 0117 496 0123 before 10 am for a same-day emergency appointment. Out of hours, phone NHS 111."),
            faq(
                (
                    "A tooth has been knocked out",
                    "Hold it by the crown, not the root, rinse it and put it back in its socket or in milk, "
                    "and come straight in: within an hour it can often be saved.",
                ),
                ("A swollen face", "Swelling that spreads or makes it hard to swallow needs A&amp;E at once."),
            ),
        ],
    },
    {
        "slug": "children",
        "title": "Children's dentistry",
        "blocks": [
            p(
                "Bring your child for a first visit by their first birthday, when the first teeth come through. "
                "Children see us for free when a parent is a member of the care plan."
            ),
            p(
                "Fissure sealants protect the grooves of new back teeth, and fluoride varnish twice a year "
                "halves the risk of decay."
            ),
        ],
    },
    {
        "slug": "nervous-patients",
        "title": "Nervous patients",
        "blocks": [
            p(
                "If the thought of a dental visit makes you anxious, tell us when you book. We agree a stop "
                "signal, explain every step and never rush."
            ),
            p(
                "Numbing gel before every injection takes away the sting. For longer treatment we offer "
                "intravenous sedation with midazolam: you stay awake but relaxed and remember little."
            ),
        ],
    },
    {
        "slug": "root-canal",
        "title": "Root canal treatment",
        "blocks": [
            p(
                "When decay or a crack lets bacteria reach the pulp, the nerve inside the tooth becomes "
                "inflamed and can die. Root canal treatment cleans out the canals under a microscope and seals them."
            ),
            p("It takes one or two visits and a crown afterwards protects the tooth."),
        ],
    },
    {
        "slug": "aftercare",
        "title": "After an extraction",
        "blocks": [
            p(
                "Bite on the gauze for 30 minutes. Do not rinse, smoke or drink through a straw for 24 hours: "
                "the blood clot protects the bone."
            ),
            p("If the pain gets worse after three days, you may have a dry socket: call us and we will dress it."),
        ],
    },
    {
        "slug": "care-plan",
        "title": "Riverside Care Plan",
        "blocks": [
            p(
                "For £16.50 a month the Riverside Care Plan covers two check-ups and two hygienist visits a "
                "year, 10% off all treatment and worldwide dental accident cover."
            ),
            p("Join at reception or online; there is no joining fee and you can leave with a month's notice."),
        ],
    },
    {
        "slug": "team",
        "title": "Our team",
        "blocks": [
            table(
                ["Name", "Role", "GDC number"],
                ["Dr Amara Okafor", "Principal dentist, implants", "104522"],
                ["Dr Tom Lindqvist", "Orthodontist", "187390"],
                ["Sian Morgan", "Dental hygienist", "211874"],
            ),
        ],
    },
    {
        "slug": "contact",
        "title": "Find us",
        "blocks": [
            p(
                "Riverside Dental, 14 Mill Lane, Kingsbridge. Step-free entrance and a ground-floor surgery "
                "for wheelchair users; four parking spaces behind the building; bus 42 stops outside."
            ),
            table(["Day", "Hours"], ["Monday to Friday", "8:00 to 18:00"], ["Saturday", "9:00 to 13:00"]),
        ],
    },
    {
        "slug": "new-patients",
        "title": "Joining the practice",
        "blocks": [
            p(
                "Register online, then bring a list of the medicines you take to your first examination. "
                "Please give us 24 hours' notice to cancel: a missed appointment costs £25."
            ),
        ],
    },
    {
        "slug": "dentures",
        "title": "Dentures",
        "blocks": [
            p(
                "Full and partial dentures made by our lab from impressions of your mouth; the first fitting "
                "is followed by adjustments until they sit comfortably."
            ),
            p("Clean them every night with a soft brush and keep them in water so they don't warp."),
        ],
    },
]

QUESTIONS = [
    paraphrase("my tooth fell out playing football", "emergency"),
    paraphrase("how to get brighter teeth", "whitening"),
    paraphrase("I am scared of going to the dentist", "nervous-patients"),
    paraphrase("replacing a missing tooth for good", "implants"),
    paraphrase("crooked teeth as an adult without metal braces", "orthodontics"),
    paraphrase("when should my baby first see a dentist", "children"),
    paraphrase("can I have a cigarette after having a tooth pulled", "aftercare"),
    paraphrase("a monthly subscription for regular visits", "care-plan"),
    paraphrase("how often should I have my teeth cleaned", "check-ups"),
    paraphrase("is there a charge if I don't turn up", "new-patients"),
    paraphrase("can I get in with a wheelchair", "contact"),
    paraphrase("the nerve of my tooth is infected", "root-canal"),
    paraphrase("false teeth", "dentures"),
    exact("ClearStep aligners", "orthodontics", "fees"),
    exact("£2,400 implant", "fees"),
    exact("carbamide peroxide", "whitening"),
    exact("Dr Amara Okafor", "team"),
    exact("midazolam", "nervous-patients"),
    exact("0117 496 0123", "emergency"),
    exact("Care Plan £16.50", "care-plan"),
    exact("dry socket", "aftercare"),
    exact("fissure sealants", "children"),
    exact("14 Mill Lane", "contact"),
    exact("Straumann", "implants"),
    exact("HY1", "fees"),
    exact("Lindqvist", "team"),
    none("how to descale an espresso machine"),
    none("vacuum gripper for cardboard boxes"),
    none("bike tyre pressure"),
    none("eye test and glasses prices", near=True),
    none("ljkhg poiuy"),
    none("best time to plant tomatoes"),
    none("vaccinations for my cat", near=True),
    none("hearing aid batteries", near=True),
]

SITE = Site(name="clinic", pages=PAGES, questions=QUESTIONS)
