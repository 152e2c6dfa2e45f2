"""A hot query compiled once: the SQL the ORM writes for a queryset of a fixed shape, kept per database
connection and run again with a new value, its rows turned into model instances the way the ORM does it
(converters, select_related objects).

Why: compiling a queryset costs more CPU than PostgreSQL spends answering it when the row is found by its key —
about 0.7 ms for a dossier locked with its procedure and desk (87 columns), on every action. Use it only for a
statement run on every request of a hot path; everything else stays a plain queryset.

    LOCK = Prepared(lambda pk: Dossier.objects.select_for_update(of=("self",)).filter(pk=pk), probe=-1)
    dossier = LOCK.get(42)  # an instance, or None when no row matches

The shape must take its single parameter from `build(value)` (the probe is how it is found in the compiled
statement); a shape whose statement holds other parameters is compiled on every call, like any queryset.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import MultipleObjectsReturned
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError


def convert_row(row, converters, connection) -> list:
    """A fetched row with each column's converters applied, as the ORM applies them (`converters`: the items of
    compiler.get_converters(columns): position → (functions, expression))."""
    row = list(row)
    for position, (functions, expression) in converters:
        item = row[position]
        for function in functions:
            item = function(item, expression, connection)
        row[position] = item
    return row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    model: type
    init_list: list[str]
    start: int
    end: int
    populators: list
    converters: list
    for_update: bool


class Prepared:
    def __init__(self, build: Callable[[object], QuerySet], *, probe, using: str = DEFAULT_DB_ALIAS):
        self.build, self.probe, self.using = build, probe, using
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per connection (per thread)

    def _compile(self, connection) -> _Compiled | None:
        queryset = self.build(self.probe)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()  # a lock outside a transaction is refused here, as by the ORM
        if list(params) != [self.probe] or compiler.annotation_col_map:
            return None
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        columns = [s[0] for s in select[: compiler.col_count]]
        return _Compiled(
            sql=sql, model=klass_info["model"],
            init_list=[s[0].target.attname for s in select[fields[0]: fields[-1] + 1]],
            start=fields[0], end=fields[-1] + 1, populators=get_related_populators(klass_info, select, self.using),
            converters=list(compiler.get_converters(columns).items()),
            for_update=bool(queryset.query.select_for_update and connection.features.has_select_for_update))

    def get(self, value):
        """The one instance the shape finds for `value` (of the probe's type, as the database takes it), or None."""
        if type(value) is not type(self.probe):
            raise TypeError(f"Prepared.get() takes a {type(self.probe).__name__}, not {type(value).__name__}")
        connection = connections[self.using]
        try:
            compiled = self._compiled[connection]
        except KeyError:
            compiled = self._compiled[connection] = self._compile(connection)
        if compiled is None:  # a shape this cannot keep: the ORM, every time
            found = list(self.build(value)[:2])
            if len(found) > 1:
                raise MultipleObjectsReturned
            return found[0] if found else None
        if compiled.for_update and connection.get_autocommit() and connection.features.supports_transactions:
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [value])
            rows = cursor.fetchmany(2)
        if not rows:
            return None
        if len(rows) > 1:
            raise MultipleObjectsReturned
        row = convert_row(rows[0], compiled.converters, connection)
        obj = compiled.model.from_db(self.using, compiled.init_list, row[compiled.start: compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj


# ---------------------------------------------------------------- writes of a fixed shape
# The INSERT and UPDATE texts of a hot path's rows, written once per model, columns and connection vendor; the
# values prepared by each field as Model.save() prepares them (pre_save: auto_now, defaults already set). For
# a model without save() override or save signal receivers on that path (the caller's responsibility: these
# skip Model.save() and its signals, which is what they save).
_insert_sql: dict = {}
_update_sql: dict = {}


def _quoted(connection, model, names) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), [quote(model._meta.get_field(n).column) for n in names]


def insert_row(obj, *, using: str = DEFAULT_DB_ALIAS):
    """INSERT `obj` (a new instance; every concrete column but the automatic key) and set its key, in one
    statement. Returns `obj`."""
    connection = connections[using]
    model = type(obj)
    key = (model, connection.vendor)
    try:
        sql, fields, returning = _insert_sql[key]
    except KeyError:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields
                  if f is not meta.auto_field and not getattr(f, "generated", False)]
        table, columns = _quoted(connection, model, [f.name for f in fields])
        returning = connection.features.can_return_columns_from_insert
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(fields))})"
               + (f" RETURNING {connection.ops.quote_name(meta.pk.column)}" if returning else ""))
        _insert_sql[key] = sql, fields, returning
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk = (cursor.fetchone()[0] if returning
              else connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column))
    obj.pk = pk
    obj._state.adding, obj._state.db = False, using
    return obj


def update_row(obj, fields: tuple[str, ...], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """UPDATE `fields` of the saved instance `obj` (by its key; an auto_now field listed gets the time now), as
    save(update_fields=fields) would write them. Returns the rows changed (0: the row is gone)."""
    connection = connections[using]
    model = type(obj)
    key = (model, fields, connection.vendor)
    try:
        sql, prepared = _update_sql[key]
    except KeyError:
        prepared = [model._meta.get_field(name) for name in fields]
        table, columns = _quoted(connection, model, fields)
        sql = (f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} "
               f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s")
        _update_sql[key] = sql, prepared
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in prepared]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
        return cursor.rowcount
