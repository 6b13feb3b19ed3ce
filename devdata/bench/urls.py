"""The bench's yardstick page; husk.urls includes this only where BENCH_REFERENCE_PAGE is on."""

from django.urls import path

from devdata.bench.views import reference

urlpatterns = [
    path("", reference, name="reference"),
]
