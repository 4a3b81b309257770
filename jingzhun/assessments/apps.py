from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """The Django side of the policy engine: facts from the database, results to pages."""

    name = "jingzhun.assessments"
    label = "assessments"
