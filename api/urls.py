"""/api/v1/: the open REST API (included by onecua/urls.py under the namespace "api")."""

from django.urls import path

from api import catalog, docs, figures, views

app_name = "api"
urlpatterns = [
    path("", catalog.Index.as_view(), name="index"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("problems/<slug:slug>/", catalog.ProblemTypeView.as_view(), name="problem-type"),
    path("procedures/", catalog.ProcedureList.as_view(), name="procedures"),
    path("procedures/<str:national_code>/", catalog.ProcedureDetail.as_view(), name="procedure-detail"),
    path("agencies/", catalog.AgencyList.as_view(), name="agencies"),
    path("agencies/<str:identifier>/", catalog.AgencyDetail.as_view(), name="agency-detail"),
    path("figures/", figures.Figures.as_view(), name="figures"),
    path("dossiers/", views.DossierList.as_view(), name="dossiers"),
    path("dossiers/<str:code>/", views.DossierDetail.as_view(), name="dossier-detail"),
    path("dossiers/<str:code>/supplement/", views.SupplementAnswer.as_view(), name="dossier-supplement"),
    path("events/", views.EventFeed.as_view(), name="events"),
]
# Anything else under /api/ answers a 404 problem (api.problems.ProblemDetailsMiddleware), not an HTML page.
