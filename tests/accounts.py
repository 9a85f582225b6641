"""Accounts the tests act as: every service takes one explicitly (none has a default)."""

from app.safety.auth import ADMIN, CLERK, READER, CurrentUser


def account(name: str, role: str = ADMIN) -> CurrentUser:
    return CurrentUser(name, name, role)


TESTER = account("测试员")  # an administrator; the audit log names it 测试员
CLERK_USER = account("王登记", CLERK)
READER_USER = account("李查阅", READER)
