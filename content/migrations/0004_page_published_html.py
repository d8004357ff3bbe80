"""`Page.published_html`: the published blocks and nav rendered for visitors (content.rendering),
and the trigger that keeps it exact: an UPDATE that changes what the HTML shows (published
blocks, nav, images, the slug its menu marks as current) without writing new HTML empties it,
so the page is rendered from its JSON until the next publish. The services always write new
HTML with such changes; rows written around them (SQL, scripts) are what the trigger is for.
The function lives in the public schema, so every tenant schema (and each clone of the
template) runs the same one."""

from django.db import migrations, models

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION public.content_page_published_html_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.published_html IS NOT DISTINCT FROM OLD.published_html AND (
       NEW.published_blocks IS DISTINCT FROM OLD.published_blocks
    OR NEW.published_nav IS DISTINCT FROM OLD.published_nav
    OR NEW.published_images IS DISTINCT FROM OLD.published_images
    OR NEW.slug IS DISTINCT FROM OLD.slug
  ) THEN
    NEW.published_html := '{}'::jsonb;
  END IF;
  RETURN NEW;
END
$$;
"""
TRIGGER = """
CREATE TRIGGER content_page_published_html_stale BEFORE UPDATE ON content_page
FOR EACH ROW EXECUTE FUNCTION public.content_page_published_html_stale();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_page_published_images"),
    ]

    operations = [
        migrations.AddField(
            model_name="page",
            name="published_html",
            field=models.JSONField(blank=True, default=dict, db_default=models.Value({}, models.JSONField())),
        ),
        migrations.RunSQL(
            TRIGGER_FUNCTION + TRIGGER, reverse_sql="DROP TRIGGER content_page_published_html_stale ON content_page;"
        ),
    ]
