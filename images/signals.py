"""What other apps hear from the media library (content re-renders the pages showing an image).

`images_changed` is sent inside `transaction.on_commit`, after the change is committed,
with the tenant's schema active; kwargs `image_ids` (list of int). An image changed when
its renditions were made, its alt text or focal point was edited, or it was deleted.
"""

from django.dispatch import Signal

images_changed = Signal()
