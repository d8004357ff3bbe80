"""Receivers of other apps' signals: each calls one service."""

from images import services


def tenant_deleted(sender, *, instance, **kwargs) -> None:
    services.tenant_files_delete(schema_name=instance.schema_name)
