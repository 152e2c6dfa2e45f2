"""Chart.js configurations for the dashboard (drawn by static/js/charts.js from json_script data)."""

from django.utils.translation import gettext as _


def dashboard_charts(board) -> dict:
    months = [f"{m:%m/%Y}" for m, _values in board.months]

    def series(measure):
        return [values.get(measure, 0) for _m, values in board.months]

    timeliness = {"type": "bar", "data": {"labels": months, "datasets": [
        {"label": _("Trước hạn"), "data": series("resolved_early"), "backgroundColor": "#2e7d32"},
        {"label": _("Đúng hạn"), "data": series("resolved_on_time"), "backgroundColor": "#1565c0"},
        {"label": _("Quá hạn"), "data": series("resolved_late"), "backgroundColor": "#c62828"},
    ]}, "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}}}
    channels = {"type": "line", "data": {"labels": months, "datasets": [
        {"label": _("Trực tuyến"), "data": series("received_online"), "borderColor": "#1565c0"},
        {"label": _("Trực tiếp, bưu chính"), "data": series("received_offline"), "borderColor": "#6d4c41"},
    ]}, "options": {"scales": {"y": {"beginAtZero": True}}}}
    times = {"type": "bar", "data": {"labels": [p.procedure.national_code for p in board.procedures], "datasets": [
        {"label": _("Trung bình (ngày)"), "data": [float(p.average_days or 0) for p in board.procedures],
         "backgroundColor": "#1565c0"},
        {"label": _("90% hồ sơ xong trong (ngày)"), "data": [p.p90_days or 0 for p in board.procedures],
         "backgroundColor": "#f9a825"},
    ]}, "options": {"indexAxis": "y"}}
    return {"timeliness": timeliness, "channels": channels, "times": times}
