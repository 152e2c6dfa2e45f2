from django.core.management.base import BaseCommand

from core.links import absolute_url
from demo.data import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (cơ quan tỉnh Tây Ninh, cán bộ mỗi vai trò, danh mục thủ tục). Chạy lại không tạo trùng."

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu (demo data loaded)."))
        self.stdout.write("Tài khoản demo (demo logins) – mật khẩu chung / password: " + DEMO_PASSWORD)
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.role:<22} {login.agency}")
        self.stdout.write(f"Trang web / site: {absolute_url('/')}  –  quản trị / admin: {absolute_url('/admin/')}")
