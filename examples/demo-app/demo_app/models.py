"""ORM models for the demo app.

These describe the schema at the head of ``migrations/versions`` (revision
``c5d7a3e91f02``).  Alembic's ``env.py`` imports ``Base.metadata`` from here so
that ``alembic revision --autogenerate`` can compare it with the database.
"""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(), server_default=func.current_timestamp()
    )

    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text())
    published_at: Mapped[datetime.datetime | None] = mapped_column(DateTime())

    author: Mapped[User] = relationship(back_populates="posts")
