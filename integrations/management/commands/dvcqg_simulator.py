"""manage.py dvcqg_simulator [--host H] [--port N]: serve the national-portal simulator (for a demonstration)."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from integrations.dvcqg.simulator import Simulator, start


class Command(BaseCommand):
    help = _("Chạy bộ giả lập Cổng Dịch vụ công quốc gia (chỉ để thử nghiệm, trình diễn).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--username", default="motcua")
        parser.add_argument("--password", default="motcua")

    def handle(self, *args, host, port, username, password, **options):
        running = start(Simulator(username=username, password=password, client_id=username,
                                  client_secret=password), host=host, port=port)
        self.stdout.write(_("Bộ giả lập Cổng DVCQG chạy tại %(url)s (Ctrl+C để dừng).") % {"url": running.url})
        simulator, seen = running.simulator, 0
        try:
            while True:
                time.sleep(0.5)
                with simulator.lock:
                    calls = simulator.calls[seen:]
                seen += len(calls)
                for call in calls:
                    verdict = _("nhận") if call.accepted else _("từ chối")
                    reply = call.reply if isinstance(call.reply, str) else ""
                    self.stdout.write(f"{call.transport} {call.service}: {verdict} {reply[:200]}".rstrip())
        except KeyboardInterrupt:
            pass
        finally:
            running.stop()
