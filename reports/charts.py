"""Chart.js configurations for the dashboard (drawn by static/js/charts.js from json_script data)."""

from django.utils.text import Truncator
from django.utils.translation import gettext as _

# Count axes step by whole dossiers (Chart.js would otherwise tick 0.5, 1.5 … on small numbers).
COUNT_TICKS = {"beginAtZero": True, "ticks": {"precision": 0}}
SHORT_NAME_CHARS = 32


def short_procedure_name(procedure) -> str:
    """A procedure's name cut to fit a chart's axis, at a word boundary (the code and full name are in the
    tooltip and the table)."""
    return Truncator(procedure.name).chars(SHORT_NAME_CHARS)


def dashboard_charts(board) -> dict:
    months = [f"{m:%m/%Y}" for m, _values in board.months]

    def series(measure):
        return [values.get(measure, 0) for _m, values in board.months]

    timeliness = {"type": "bar", "data": {"labels": months, "datasets": [
        {"label": _("Trước hạn"), "data": series("resolved_early"), "backgroundColor": "#2e7d32"},
        {"label": _("Đúng hạn"), "data": series("resolved_on_time"), "backgroundColor": "#1565c0"},
        {"label": _("Quá hạn"), "data": series("resolved_late"), "backgroundColor": "#c62828"},
    ]}, "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True, **COUNT_TICKS}}}}
    channels = {"type": "line", "data": {"labels": months, "datasets": [
        {"label": _("Trực tuyến"), "data": series("received_online"), "borderColor": "#1565c0"},
        {"label": _("Trực tiếp, bưu chính"), "data": series("received_offline"), "borderColor": "#6d4c41"},
    ]}, "options": {"scales": {"y": COUNT_TICKS}}}
    times = {"type": "bar", "data": {"labels": [short_procedure_name(p.procedure) for p in board.procedures],
                                     "datasets": [
        {"label": _("Trung bình (ngày)"), "data": [float(p.average_days or 0) for p in board.procedures],
         "backgroundColor": "#1565c0"},
        {"label": _("90% hồ sơ xong trong (ngày)"), "data": [p.p90_days or 0 for p in board.procedures],
         "backgroundColor": "#f9a825"},
    ]}, "options": {"indexAxis": "y", "scales": {"x": {"beginAtZero": True}}},
        # Read by static/js/charts.js: the tooltip's title (Chart.js takes no functions from JSON).
        "fullLabels": [str(p.procedure) for p in board.procedures]}
    return {"timeliness": timeliness, "channels": channels, "times": times}
