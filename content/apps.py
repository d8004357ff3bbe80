from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        # The media library tells when an image's renditions, alt text or existence
        # changed; the published pages showing it are re-resolved and their cache dropped.
        from content.services import images_changed_receive
        from images.signals import images_changed

        images_changed.connect(images_changed_receive, dispatch_uid="content-images-changed")
