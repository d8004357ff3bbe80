"""Acme Robotics (collaborative robot arms): the demo tenant's four pages as shipped
(content.demo) plus twelve pages written for this set, in the same voice."""

from content.demo import ACME
from search.tests.quality.blocks import cards, demo_pages, faq, features, h, p, table
from search.tests.quality.sets import Site, exact, none, paraphrase

PAGES = [
    *demo_pages(ACME),
    {
        "slug": "products/a1",
        "title": "A1 collaborative arm",
        "blocks": [
            h("The arm most of our customers start with", 1),
            p(
                "The A1 is a six-axis collaborative arm for pick and place, machine tending and packing. "
                "It mounts on a table, a wall or upside down on a gantry, and plugs into a normal socket."
            ),
            table(
                ["Specification", "A1"],
                ["Payload", "12 kg"],
                ["Reach", "1,300 mm"],
                ["Repeatability", "±0.03 mm"],
                ["Arm weight", "33 kg"],
                ["Protection", "IP54"],
                ["Average power use", "350 W"],
                caption="A1 technical data",
            ),
            h("Cycle times"),
            p(
                "With the FG-2 gripper the A1 moves a part from a tray to a fixture in 2.4 seconds, "
                "including the vision check."
            ),
        ],
    },
    {
        "slug": "products/a3-mini",
        "title": "A3 Mini benchtop arm",
        "blocks": [
            p(
                "The A3 Mini is our smallest arm: 3 kg payload, 620 mm reach and 11 kg of aluminium. "
                "It is built for laboratories, electronics assembly and the test benches of R&amp;D teams."
            ),
            h("Price"),
            p("The A3 Mini costs €14,900 with a two-finger gripper, or €490 a month on a lease."),
            features(
                "Fits on a 60 cm deep workbench",
                "Runs the same AcmeTeach programs as the A1",
                "Cleanroom class ISO 7 option",
                title="Why labs like it",
            ),
        ],
    },
    {
        "slug": "grippers",
        "title": "Grippers and end effectors",
        "blocks": [
            p("Every arm ships with the gripper your task needs; all of them fit the QC-5 quick changer."),
            cards(
                ("VG-10 vacuum gripper", "Ten suction cups for cartons and sacks up to 15 kg."),
                ("FG-2 finger gripper", "Electric two-finger gripper, 85 mm stroke, 20 to 140 N grip force."),
                ("MG-1 magnetic gripper", "Picks sheet steel and blanks from a stack, one at a time."),
                ("QC-5 quick changer", "Swap tools in ten seconds without a screwdriver."),
            ),
            h("Custom fingers"),
            p("We 3D-print fingers shaped to your part overnight; send us a CAD file or the part itself."),
        ],
    },
    {
        "slug": "software/teach",
        "title": "AcmeTeach software",
        "blocks": [
            p(
                "AcmeTeach runs on the tablet that comes with every arm. You build a task from blocks "
                "such as pick, place, wait for sensor and count, and you record positions by guiding "
                "the arm by hand."
            ),
            h("What is new in AcmeTeach 4.2"),
            features(
                "Pallet wizard: enter the box size and the pattern, the arm works out every position",
                "Recipes: switch between products from a barcode",
                "Offline simulation on a laptop",
            ),
            p("Advanced users can also script tasks in Python through the open REST interface."),
        ],
    },
    {
        "slug": "integrations",
        "title": "Works with your machines",
        "blocks": [
            p(
                "Acme arms talk to the controllers already on your shop floor: Siemens S7-1500 over "
                "PROFINET, Allen-Bradley over EtherNet/IP, Beckhoff over EtherCAT, and anything with "
                "Modbus TCP or digital inputs and outputs."
            ),
            h("CNC machines"),
            p(
                "Ready-made door and chuck signals for Haas, DMG Mori and Mazak machining centres make "
                "machine tending a half-day setup."
            ),
            h("Conveyors"),
            p("An encoder input lets the arm pick from a moving belt at up to 0.5 m/s."),
        ],
    },
    {
        "slug": "safety",
        "title": "Safety and certification",
        "blocks": [
            p(
                "Our arms are certified to ISO 10218-1 and use power and force limiting as described in "
                "ISO/TS 15066: joint torque sensors stop the arm within milliseconds when it touches a person."
            ),
            h("Risk assessment"),
            p(
                "Every installation includes a risk assessment by our engineer. Where a task needs speed, "
                "a laser scanner slows the arm down as soon as someone walks into its zone."
            ),
        ],
    },
    {
        "slug": "support",
        "title": "Service and spare parts",
        "blocks": [
            p(
                "Spare parts leave our Eindhoven warehouse within 24 hours to anywhere in the European Union. "
                "Most faults are found remotely: with your permission our engineers log in to the arm's "
                "controller and read its diagnostics."
            ),
            h("CarePlus service contract"),
            p(
                "CarePlus costs €1,200 a year per arm and covers a yearly preventive visit, "
                "all wear parts and a replacement arm within two working days."
            ),
            p("The support line is staffed from 7:00 to 19:00 CET on working days."),
        ],
    },
    {
        "slug": "warranty",
        "title": "Warranty and trial",
        "blocks": [
            p(
                "An arm you buy is covered for three years, parts and labour. Leased arms are covered for "
                "as long as the lease runs."
            ),
            h("Try it first"),
            p(
                "Not sure a cobot fits your line? Borrow one for 30 days; if you keep it, the trial fee "
                "counts toward the purchase."
            ),
        ],
    },
    {
        "slug": "academy",
        "title": "Acme Academy",
        "blocks": [
            p("Courses for the people who will run and maintain your arms."),
            table(
                ["Course", "Length", "Price"],
                ["Operator basics", "1 day", "€450 per person"],
                ["Integrator certification", "3 days", "€1,350 per person"],
                ["Online video library", "self-paced", "free with every arm"],
            ),
            p("Courses run monthly in Eindhoven and Munich, or on your premises for groups of six or more."),
        ],
    },
    {
        "slug": "case-studies/nordhaus",
        "title": "Nordhaus Metalworks automates its night shift",
        "blocks": [
            p(
                "Nordhaus Metalworks turns flanges for pumps. Their night shift spent hours packing finished "
                "parts into crates by hand."
            ),
            p(
                "Two A1 arms with VG-10 grippers now pack the line unattended. Installation took nine days "
                "and the arms paid for themselves in eight months."
            ),
        ],
    },
    {
        "slug": "case-studies/bakery",
        "title": "Bakkerij de Vries stacks bread without back pain",
        "blocks": [
            p(
                "At a family bakery in Utrecht, an A1 in a washable food-grade cover now stacks trays of "
                "loaves onto trolleys at the end of the oven line, 900 trays a night."
            ),
            p("The bakers who used to lift the trays now run the proofing room."),
        ],
    },
    {
        "slug": "careers",
        "title": "Jobs at Acme",
        "blocks": [
            p("We are hiring. All roles come with a training budget and a bike lease."),
            faq(
                (
                    "Field service engineer, Munich",
                    "You install arms at customers in southern Germany and Austria. German and English required.",
                ),
                (
                    "Robotics software engineer, Eindhoven",
                    "Motion planning in C++ and ROS 2 for the next generation of our controller.",
                ),
            ),
            p("Apply with a CV to jobs@acme.example."),
        ],
    },
    {
        "slug": "contact",
        "title": "Contact and offices",
        "blocks": [
            p("Head office and factory: Torenallee 20, 5617 BC Eindhoven, the Netherlands."),
            p("Customer engineering office: Leopoldstraße 8, Munich."),
            h("Demo centre"),
            p("See every arm working in our demo centre in Eindhoven; book a visit, we pick you up at the station."),
        ],
    },
]

QUESTIONS = [
    paraphrase("how heavy a box can your robot pick up", "products/a1", "pricing", "grippers"),
    paraphrase("is it safe to work beside the machine without a fence", "safety", ""),
    paraphrase("do my operators need to learn coding", "software/teach", "pricing"),
    paraphrase("something small for a laboratory bench", "products/a3-mini"),
    paraphrase("how fast can I get a replacement component", "support", "about"),
    paraphrase("can it connect to the control system we already have in the plant", "integrations", ""),
    paraphrase("how long until the robot earns back what it cost", "blog/cobots-guide", "case-studies/nordhaus", ""),
    paraphrase("can I rent one instead of buying", "pricing", "products/a3-mini"),
    paraphrase("where is your company based", "contact", "about"),
    paraphrase("classes for our staff", "academy"),
    paraphrase("picking up flat metal plates", "grippers"),
    paraphrase("are you recruiting", "careers"),
    paraphrase("what if the arm breaks after two years", "warranty"),
    paraphrase("which job in our factory should we hand over first", "blog/cobots-guide"),
    paraphrase("a robot for a bread factory", "case-studies/bakery"),
    exact("A1 12 kg", "products/a1", "pricing"),
    exact("A3 Mini price", "products/a3-mini"),
    exact("VG-10", "grippers", "case-studies/nordhaus"),
    exact("FG-2 stroke", "grippers"),
    exact("ISO/TS 15066", "safety"),
    exact("CarePlus", "support"),
    exact("€890 month", "pricing"),
    exact("PROFINET", "integrations"),
    exact("Nordhaus Metalworks", "case-studies/nordhaus", ""),
    exact("AcmeTeach 4.2", "software/teach"),
    exact("Lena Fischer", "about", "blog/cobots-guide"),
    exact("Torenallee 20", "contact"),
    exact("ROS 2", "careers"),
    exact("QC-5", "grippers"),
    exact("±0.03 mm repeatability", "products/a1"),
    none("how long should I steep cold brew"),
    none("what ratio of water to grounds for a pour-over"),
    none("root canal treatment cost"),
    none("who won the football world cup"),
    none("zqattack"),
    none("sourdough pizza recipe"),
    none("weather in Eindhoven tomorrow", near=True),
    none("cheap flights to Barcelona"),
    none("robot vacuum cleaner for my flat", near=True),
]

SITE = Site(name="acme", pages=PAGES, questions=QUESTIONS)
