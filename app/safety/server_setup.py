"""Connecting to the office's PostgreSQL server from the first-run form (issue 20): the URL
server.json keeps, what encryption the connection will use, and one test connection with the
password typed (kept in memory only, never stored). Qt-free, so the form's view stays a view."""

from app.errors import DomainError


def server_url_from(host: str, port: int, database: str, account: str) -> str:
    """The URL server.json keeps: postgresql://账号@服务器:端口/数据库名, never a password."""
    from sqlalchemy.engine import URL

    host, database, account = host.strip(), database.strip(), account.strip()
    if not host:
        raise DomainError("请填写服务器地址（如 192.168.1.10 或 db.xfj.local）。", field="host")
    if not database:
        raise DomainError("请填写数据库名（由数据库管理员告知，如 xinfang）。", field="database")
    if not account:
        raise DomainError("请填写数据库账号（由数据库管理员告知）。", field="account")
    return URL.create(
        "postgresql", username=account, host=host, port=port, database=database
    ).render_as_string(hide_password=False)


def sslmode_text(url: str) -> str:
    """What the connection's encryption will be (app/db.server_url decides it)."""
    from app.db import server_url

    mode = str(server_url(url).query.get("sslmode") or "")
    if mode:
        return (
            f"连接方式：加密连接（sslmode={mode}）。服务器不在本机，信访人信息经网络传输时加密；"
            "服务器须开启 SSL。"
        )
    return "连接方式：服务器在本机，不经过网络，不加密（本机连接）。"


def try_connection(url: str, password: str) -> str:
    """Connect once with the password typed (kept in memory only) and say what was found."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from app import migrate
    from app.db import server_url

    target = server_url(url)
    if password:
        target = target.set(password=password)
    engine = create_engine(target, poolclass=NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            migrate.require_server_version(conn)
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            ssl = conn.exec_driver_sql("SHOW ssl").scalar()
            ours = inspect(conn).has_table("alembic_version")
            cases = (
                conn.execute(text("SELECT count(*) FROM cases")).scalar()
                if inspect(conn).has_table("cases")
                else None
            )
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise DomainError(f"连接失败：{reason}") from None
    finally:
        engine.dispose()
    found = (
        f"已有信访工作台数据（信访件 {cases} 件）"
        if ours
        else "这是一个空数据库，第一次打开时建立信访工作台的数据表"
    )
    ssl_text = "开启" if ssl == "on" else "关闭"
    return f"连接成功：PostgreSQL {version}（服务器 SSL：{ssl_text}），{found}。"


def url_parts(url: str) -> tuple[str, int, str, str]:
    """server.json's URL back into the form's fields: (服务器, 端口, 数据库名, 账号)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.host or "", u.port or 5432, u.database or "", u.username or ""
