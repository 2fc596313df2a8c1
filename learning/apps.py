from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
    verbose_name = _("learning and platforms")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from credits.models import YearRule
        from learning.catalog import catalog_cache, study_clock
        from learning.catalog.models import Course, Topic
        from learning.quality.models import QualityNomination
        from portal import health
        from portal.models import Authority

        health.register("study_clock", study_clock.health_status)

        # The year's topics with the catalog, and the published plans, on the public
        # front page (portal imports no app).
        from learning.catalog.selectors import front_topics
        from learning.plans.selectors import front_plans
        from portal import front

        front.register(
            "topics", order=20, template="learning/_front_topics.html", context=front_topics
        )
        front.register(
            "plans", order=30, template="learning/_front_plans.html", context=front_plans
        )

        # A teacher's selected quality courses are teaching achievements on her
        # title-evaluation check and statement (credits and certificates import no learning).
        from credits import achievements
        from learning.achievements import selected_courses_of

        achievements.register(selected_courses_of)

        # What the catalog's cached course list shows (learning.catalog.catalog_cache).
        for model in (Course, Topic, QualityNomination, Authority, YearRule):
            for signal in (post_save, post_delete):
                signal.connect(
                    catalog_cache.bump_on_change,
                    sender=model,
                    dispatch_uid=f"catalog-{model.__name__}",
                )
