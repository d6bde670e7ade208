"""Rows that need each other's ids, written together.

An `InsertChain` takes unsaved model instances in order; a column may name the id of a row queued
before it (`IdOf`), as it is or inside a text, or be a query expression without column references
(a `RawSQL` `CASE WHEN EXISTS …`, say: the database decides the value as it writes the row).
`run()` writes them all or none:

- on PostgreSQL as ONE statement, a chain of data-modifying CTEs (`WITH c0 AS (INSERT … RETURNING
  id), c1 AS (INSERT … SELECT … c0.id FROM c0 …) SELECT c0.id, …`): one round trip, atomic by
  itself (in a savepoint when the caller's transaction is open, so that an error leaves it usable);
- elsewhere one INSERT after another in a transaction.

Why: on the machines this runs on a round trip to PostgreSQL costs more than the row it writes, and
the reader's feedback writes five rows that each need the id of an earlier one (docs/benchmarks.md,
"Feedback POST"). Post-save signals are not sent on PostgreSQL; use it only for models whose saving
nobody listens to.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, transaction
from django.db.models import QuerySet
from django.db.models.expressions import Combinable
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True, eq=False)  # compared by identity, like the unsaved row it names
class IdOf(Combinable):
    """A column's value: the id of `obj`, a row queued earlier in the same chain; with `text`
    (before, after) that id inside a text: `before + str(id) + after`. (A `Combinable` only so
    that a model's constructor takes it where it takes an expression; it is not one.)"""

    obj: models.Model
    text: tuple[str, str] | None = None

    def value(self, pk: int) -> int | str:
        return pk if self.text is None else f"{self.text[0]}{pk}{self.text[1]}"


_LITERALS = {None: "NULL", True: "true", False: "false"}


def _is_expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression")


def _pk(obj: models.Model) -> models.Field:
    field = obj._meta.pk
    assert field is not None  # every model has one
    return field


def _column(field: models.Field) -> str:
    assert field.column is not None  # a concrete field has a column
    return field.column


class InsertChain:
    def __init__(self, *, using: str = "default", unless: QuerySet | None = None) -> None:
        """`unless`: nothing is written when this query finds a row (`run()` says False)."""
        self.using = using
        self.unless = unless
        self._objs: list[models.Model] = []
        self._after: list[Callable[[], None]] = []

    def insert[M: models.Model](self, obj: M) -> M:
        """Queue `obj`, an unsaved instance. The fields' pre-save values are taken now (an
        `auto_now_add` column is set on `obj` at once), so `obj` can be serialized before it is written."""
        if obj.pk is not None or any(obj is queued for queued in self._objs):
            raise ValueError("only a new row, once, can be queued")
        for field in self._fields(obj):
            value = getattr(obj, field.attname)
            if isinstance(value, IdOf):
                if not any(value.obj is queued for queued in self._objs):
                    raise ValueError(f"{field.attname}: the row it names is not queued before it")
            elif not _is_expression(value):
                field.pre_save(obj, add=True)
        self._objs.append(obj)
        return obj

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the rows are written and committed (not when `unless` stopped them)."""
        self._after.append(callback)

    def run(self) -> bool:
        """Write every queued row; each instance gets its id, and the values of its expression and
        `IdOf` columns. False when `unless` found a row: then nothing is written."""
        connection = connections[self.using]
        if connection.vendor == "postgresql":
            if connection.in_atomic_block:
                with transaction.atomic(using=self.using):
                    written = self._run_one_statement()
            else:
                written = self._run_one_statement()
        else:
            written = self._run_one_by_one()
        if written:
            for callback in self._after:
                transaction.on_commit(callback, using=self.using)
        return written

    # --- How -----------------------------------------------------------------------------------

    @staticmethod
    def _fields(obj: models.Model) -> list[models.Field]:
        return [field for field in obj._meta.concrete_fields if not field.primary_key]

    def _index(self, obj: models.Model) -> int:
        return next(index for index, queued in enumerate(self._objs) if queued is obj)

    def _run_one_statement(self) -> bool:
        connection = connections[self.using]
        quote = connection.ops.quote_name
        ctes: list[str] = []
        params: list[Any] = []
        returned: list[tuple[models.Model, models.Field]] = []  # per column of the final SELECT
        for index, obj in enumerate(self._objs):
            compiler = SQLCompiler(Query(type(obj)), connection, self.using)
            columns, values, sources = [], [], {0} if index else set()
            returning = [quote(_column(_pk(obj)))]
            returned.append((obj, _pk(obj)))
            for field in self._fields(obj):
                value = getattr(obj, field.attname)
                columns.append(quote(_column(field)))
                if isinstance(value, IdOf):
                    source = self._index(value.obj)
                    sources.add(source)
                    column = f"c{source}.{quote(_column(_pk(value.obj)))}"
                    if value.text is None:
                        values.append(column)
                    else:
                        values.append(f"(%s || {column}::text || %s)")
                        params.extend(value.text)
                elif _is_expression(value):
                    resolved = value.resolve_expression(compiler.query, allow_joins=False, for_save=True)
                    sql, expression_params = compiler.compile(resolved)
                    values.append(sql)
                    params.extend(expression_params)
                    returning.append(quote(_column(field)))
                    returned.append((obj, field))
                else:
                    prepared = field.get_db_prep_save(value, connection)
                    if prepared is None or isinstance(prepared, bool):
                        # Written into the SQL, not passed: psycopg caches how it splits a query only
                        # up to 50 parameters, and splitting this one again cost 0.4 ms per run.
                        values.append(_LITERALS[prepared])
                    else:
                        values.append("%s")
                        params.append(prepared)
            select = f"SELECT {', '.join(values)}"
            if sources:
                select += " FROM " + ", ".join(f"c{source}" for source in sorted(sources))
            if index == 0 and self.unless is not None:
                unless_sql, unless_params = self.unless.order_by().values("pk").query.get_compiler(self.using).as_sql()
                select += f" WHERE NOT EXISTS ({unless_sql})"
                params.extend(unless_params)
            table = quote(obj._meta.db_table)
            ctes.append(
                f"c{index} AS (INSERT INTO {table} ({', '.join(columns)}) {select} RETURNING {', '.join(returning)})"
            )
        # The final SELECT gives each row's id, then its expression columns, in the order of `returned`.
        outputs = [f"c{self._index(obj)}.{quote(_column(field))}" for obj, field in returned]
        sql = (
            f"WITH {', '.join(ctes)} SELECT {', '.join(outputs)} "  # noqa: S608 - names from the models
            f"FROM {', '.join(f'c{index}' for index in range(len(self._objs)))}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return False
        for (obj, field), value in zip(returned, row, strict=True):
            setattr(obj, field.attname, field.to_python(value))
        for obj in self._objs:
            for field in self._fields(obj):
                value = getattr(obj, field.attname)
                if isinstance(value, IdOf):
                    setattr(obj, field.attname, value.value(value.obj.pk))
            obj._state.adding = False
            obj._state.db = self.using
        return True

    def _run_one_by_one(self) -> bool:
        with transaction.atomic(using=self.using):
            if self.unless is not None and self.unless.exists():
                return False
            for obj in self._objs:
                expressions = []
                for field in self._fields(obj):
                    value = getattr(obj, field.attname)
                    if isinstance(value, IdOf):
                        setattr(obj, field.attname, value.value(value.obj.pk))
                    elif _is_expression(value):
                        expressions.append(field.attname)
                # raw: the pre-save values taken by insert() are written as they are.
                obj.save_base(raw=True, force_insert=True, using=self.using)
                if expressions:
                    obj.refresh_from_db(using=self.using, fields=expressions)
        return True
