import logging
from logging.config import fileConfig
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object.  For this service its settings come from
# the [tool.alembic] table of ../pyproject.toml (config.toml_file_name);
# there is no alembic.ini.
config = context.config

# Alembic always sets config.config_file_name (it defaults to "alembic.ini"
# in the *current directory* even when only a pyproject.toml was given), so
# only hand it to logging if it really exists.
if config.config_file_name is not None and Path(
    config.config_file_name
).is_file():
    fileConfig(config.config_file_name)
else:
    logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
    logging.getLogger("alembic").setLevel(logging.INFO)

# add your model's MetaData object here
# for 'autogenerate' support
target_metadata = None


def get_url() -> str:
    """Database URL, in order of precedence:

    1. ``alembic -x url=sqlite:///... upgrade head``
    2. ``sqlalchemy.url`` in an alembic.ini, if one was passed with a second
       ``-c`` (or lives in the current directory)
    3. ``users.db`` next to the pyproject.toml holding [tool.alembic]
    """
    x_url = context.get_x_argument(as_dictionary=True).get("url")
    if x_url:
        return x_url
    ini_url = config.get_section(config.config_ini_section, {}).get(
        "sqlalchemy.url"
    )
    if ini_url:
        return ini_url
    if config.toml_file_name is not None:
        here = Path(config.toml_file_name).resolve().parent
    else:
        here = Path(__file__).resolve().parent.parent
    return f"sqlite:///{(here / 'users.db').as_posix()}"


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    context.configure(
        url=get_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """
    connectable = create_engine(get_url(), poolclass=pool.NullPool)

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
