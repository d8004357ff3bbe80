"""Admin pieces shared by the apps."""


class OneRowAdmin:
    """For a model with one row per site (its settings): no "add" once the row exists.

    The admin asks `has_add_permission` of every model more than once per page (the app
    list, the index's sidebar): the row's existence is looked up once per request."""

    def has_add_permission(self, request):
        known = request.__dict__.setdefault("_one_row_exists", {})
        label = self.model._meta.label
        if label not in known:
            known[label] = self.model.objects.exists()
        return super().has_add_permission(request) and not known[label]
