"""Alpha Bikes (a bicycle shop): its help and shop pages, and the 36 paraphrased
questions of the first quality set (issue 6), worded away from their answers, plus
exact-term questions and questions this shop cannot answer."""

from search.tests.quality.blocks import h, p
from search.tests.quality.sets import Site, exact, none, paraphrase

PAGES = [
    {
        "slug": "returns",
        "title": "Returns and refunds",
        "blocks": [
            h("Sending an item back"),
            p("Unused items can be returned within 30 days of delivery. Print the prepaid label from your account."),
            h("Refunds"),
            p("We credit the original payment method within five working days after the parcel reaches us."),
        ],
    },
    {
        "slug": "shipping",
        "title": "Delivery",
        "blocks": [
            h("Delivery times"),
            p("Orders placed before 2 pm leave the warehouse the same day and arrive in one to three days."),
            h("Costs"),
            p("Delivery is free above 50 euros; below that a flat fee of 4.95 applies. Bikes ship assembled."),
        ],
    },
    {
        "slug": "warranty",
        "title": "Warranty",
        "blocks": [
            h("Frames"),
            p("Every frame we sell is guaranteed for ten years against cracks and manufacturing defects."),
            h("Components"),
            p("Gears, brakes and wheels are covered for two years. Wear parts such as tyres and pads are excluded."),
        ],
    },
    {
        "slug": "payment",
        "title": "Payment methods",
        "blocks": [
            p("We accept Visa, Mastercard, PayPal, iDEAL and bank transfer."),
            h("Paying in instalments"),
            p("Spread the cost of a bike over 3, 6 or 12 months at zero interest through our financing partner."),
        ],
    },
    {
        "slug": "sizing",
        "title": "Frame size guide",
        "blocks": [
            p("Measure your inside leg from the floor to the crotch, barefoot, and multiply by 0.66 for a road frame."),
            h("Between two sizes"),
            p("Riders with long arms usually prefer the larger frame; a shorter stem fine-tunes the reach."),
        ],
    },
    {
        "slug": "workshop",
        "title": "Workshop and servicing",
        "blocks": [
            h("Service plans"),
            p("A basic tune-up costs 59 euros and includes brake adjustment, gear indexing and a safety check."),
            h("Booking"),
            p("Book a slot online; most repairs are ready within 48 hours and we text you when it is done."),
        ],
    },
    {
        "slug": "ebike-battery",
        "title": "E-bike battery care",
        "blocks": [
            p("Lithium cells last longest when kept between 20 and 80 percent charge."),
            h("Winter"),
            p("Below freezing, store the pack indoors and let it warm up before charging it."),
        ],
    },
    {
        "slug": "store-hours",
        "title": "Visit our store",
        "blocks": [
            p("The shop on Canal Street is open Tuesday to Saturday from 9 to 6, and until 8 on Thursdays."),
            h("Parking"),
            p("Free parking for two hours in the garage behind the building."),
        ],
    },
    {
        "slug": "gift-cards",
        "title": "Gift cards",
        "blocks": [
            p("Gift cards come in any amount from 10 to 500 euros and are valid for three years."),
            p("They can be spent online and in the store, and the balance carries over between purchases."),
        ],
    },
    {
        "slug": "test-rides",
        "title": "Test rides",
        "blocks": [
            p("Try any bike in stock for 30 minutes on our test loop; bring an ID document as a deposit."),
            h("Demo days"),
            p("On the first Sunday of every month brands bring their new models to try in the park."),
        ],
    },
    {
        "slug": "trade-in",
        "title": "Trade in your old bike",
        "blocks": [
            p("Bring your current bicycle and we value it on the spot against the purchase of a new one."),
            p("The credit depends on age, condition and brand; frames with cracks cannot be accepted."),
        ],
    },
    {
        "slug": "lease",
        "title": "Business bike leasing",
        "blocks": [
            p("Employers can offer staff a bike through salary sacrifice: the monthly cost is deducted before tax."),
            p("Insurance and maintenance are included in the lease for the full 36-month term."),
        ],
    },
    {
        "slug": "insurance",
        "title": "Theft and damage insurance",
        "blocks": [
            p("Cover your new bike against theft and accidental damage from 6 euros a month."),
            h("Making a claim"),
            p("Report a stolen bike to the police first, then send us the report number and the original invoice."),
        ],
    },
    {
        "slug": "kids-bikes",
        "title": "Bikes for children",
        "blocks": [
            p("Balance bikes suit toddlers from two years; pedal bikes with 16 inch wheels fit ages four to six."),
            h("Growing up"),
            p("Our buy-back scheme refunds 40 percent of the price when your child moves up a size."),
        ],
    },
    {
        "slug": "tyres",
        "title": "Tyres and punctures",
        "blocks": [
            p("Tubeless tyres seal small holes by themselves with liquid sealant inside the tyre."),
            h("Pressure"),
            p("Check inflation weekly: city tyres run at 3.5 to 5 bar, road tyres at 6 to 8 bar."),
        ],
    },
    {
        "slug": "locks",
        "title": "Choosing a lock",
        "blocks": [
            p("A hardened steel D-lock rated Sold Secure Gold stops most thieves; add a cable for the front wheel."),
            p("Always lock the frame to something fixed, never only the wheel."),
        ],
    },
    {
        "slug": "commuting",
        "title": "Riding to work",
        "blocks": [
            p("Mudguards, a rack with panniers and dynamo lights make a bicycle ready for daily travel to the office."),
            h("Rain"),
            p("A breathable waterproof jacket and overshoes keep you dry on wet mornings."),
        ],
    },
    {
        "slug": "careers",
        "title": "Work with us",
        "blocks": [
            p("We are hiring a bicycle mechanic and a part-time sales assistant for the Canal Street store."),
            p("Send your CV and a few lines about your favourite ride to jobs@alpha.example."),
        ],
    },
    {
        "slug": "privacy",
        "title": "Privacy policy",
        "blocks": [
            p("We store your name, address and order history only to deliver and support your purchases."),
            p("You may ask for a copy of your personal data or its deletion at any time by email."),
        ],
    },
    {
        "slug": "account",
        "title": "Your account",
        "blocks": [
            h("Password"),
            p("Forgot your password? Use the reset link on the sign-in page; it expires after one hour."),
            h("Order history"),
            p("Invoices for every order can be downloaded as PDF from the orders tab."),
        ],
    },
    {
        "slug": "click-collect",
        "title": "Click and collect",
        "blocks": [
            p("Order online and pick up your purchase in the store, usually the next working day, at no charge."),
            p("We keep reserved items for seven days before returning them to stock."),
        ],
    },
    {
        "slug": "group-rides",
        "title": "Saturday group rides",
        "blocks": [
            p("Every Saturday at 8 we leave the store for a 60 km social ride at a relaxed pace; everyone is welcome."),
            p("Helmets are required and the route is posted on our club page on Friday evening."),
        ],
    },
    {
        "slug": "bike-fitting",
        "title": "Professional bike fitting",
        "blocks": [
            p("A two-hour fitting session adjusts saddle height, setback and handlebar position to your body."),
            p("It reduces knee and back pain on long rides and includes a follow-up after six weeks."),
        ],
    },
    {
        "slug": "sustainability",
        "title": "Our environmental commitments",
        "blocks": [
            p("We repair rather than replace, recycle old tyres and inner tubes, and ship in recycled cardboard."),
            p("The store runs on solar panels installed on the roof in 2023."),
        ],
    },
]

QUESTIONS = [
    paraphrase("can I get my money back", "returns"),
    paraphrase("how long until the parcel arrives", "shipping"),
    paraphrase("my frame broke after three years, is that covered", "warranty"),
    paraphrase("can I pay monthly", "payment"),
    paraphrase("which size should I buy for my height", "sizing"),
    paraphrase("how much does a check-up for my bicycle cost", "workshop"),
    paraphrase("how to make an electric bike accumulator last longer", "ebike-battery"),
    paraphrase("when are you open on weekends", "store-hours"),
    paraphrase("present for a cyclist friend", "gift-cards"),
    paraphrase("can I try a bike before buying", "test-rides"),
    paraphrase("exchange my used bicycle for credit", "trade-in"),
    paraphrase("get a bicycle through my employer", "lease"),
    paraphrase("someone stole my bike what now", "insurance"),
    paraphrase("what should a five year old ride", "kids-bikes"),
    paraphrase("how hard should I pump my wheels", "tyres"),
    paraphrase("best way to protect my bicycle from thieves", "locks"),
    paraphrase("equipment for cycling to the office every day in bad weather", "commuting"),
    paraphrase("are there any job openings", "careers"),
    paraphrase("what do you do with my personal information", "privacy"),
    paraphrase("I cannot log in anymore", "account"),
    paraphrase("order on the website and fetch it at the shop", "click-collect"),
    paraphrase("is there a cycling club I can join", "group-rides"),
    paraphrase("my knees hurt after long distances", "bike-fitting"),
    paraphrase("is your company green", "sustainability"),
    paraphrase("what if I change my mind after buying", "returns"),
    paraphrase("do you charge for postage", "shipping"),
    paraphrase("brakes stopped working after a year, will you fix it for free", "warranty"),
    paraphrase("do you take credit cards", "payment"),
    paraphrase("how long does a repair take", "workshop"),
    paraphrase("charging a battery when it is very cold outside", "ebike-battery"),
    paraphrase("where can I leave my car when I visit", "store-hours"),
    paraphrase("voucher expiry date", "gift-cards"),
    paraphrase("my child outgrew the bicycle", "kids-bikes"),
    paraphrase("fix a flat without changing the tube", "tyres"),
    paraphrase("download a receipt of my purchase", "account"),
    paraphrase("adjust my saddle position properly", "bike-fitting"),
    exact("Sold Secure Gold", "locks"),
    exact("4.95 delivery", "shipping"),
    exact("jobs@alpha.example", "careers"),
    exact("Canal Street", "store-hours", "careers"),
    exact("iDEAL", "payment"),
    exact("36-month lease", "lease"),
    exact("tubeless sealant", "tyres"),
    exact("59 euros tune-up", "workshop"),
    exact("16 inch wheels", "kids-bikes"),
    exact("0.66", "sizing"),
    exact("solar panels 2023", "sustainability"),
    exact("60 km", "group-rides"),
    exact("D-lock", "locks"),
    exact("salary sacrifice", "lease"),
    exact("Mastercard", "payment"),
    exact("40 percent buy-back", "kids-bikes"),
    none("espresso grind size"),
    none("robot arm payload"),
    none("toothache at night"),
    none("asdfgh jkl"),
    none("cheap flights to Rome"),
    none("how to bake bread"),
    none("car insurance quote", near=True),
    none("do you repair motorbikes", near=True),
    none("stock market news today"),
    none("wedding venue booking"),
]

SITE = Site(name="bikes", pages=PAGES, questions=QUESTIONS)
