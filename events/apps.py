from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        """Register the webhook handlers: this is the list of what a verified delivery
        can do (events.handlers); any other type is stored and marked ignored."""
        from events.handlers import handler_register
        from events.handlers.stripe import stripe_checkout_completed

        handler_register("stripe", "checkout.session.completed", stripe_checkout_completed)
