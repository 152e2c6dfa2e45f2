"""Statements of a fixed shape compiled once per database connection, with several parameters: core/prepared.py's
idea for the statements of a page that differ from one request to the next only by values (a time, a user's id,
the ids of a page's rows), not by their shape.

    ROWS = Compiled()
    ids = [3, 5, 8]
    rows = ROWS.rows(("rows", len(ids)), lambda *probe: Dossier.objects.filter(pk__in=probe).values_list("code"),
                     ids)

`key` names the shape: everything the statement's text depends on besides the values (a list's length, the
agencies of a scope); `build(*values)` makes the queryset (or the (sql, params) pair) for those values. The first
call builds it twice, with two sets of probe values, to find where each value lands among the statement's
parameters; a shape whose text or other parameters differ between the two (a value inlined in the text, a
parameter the values do not explain) is never kept and is built on every call, like any queryset. Values are
ints (probed near 1.9e9: ids and integer columns, not small integer ones), strings or aware datetimes (adapted as
the database takes a DateTimeField's). Kept per connection (per
thread), the last `size` shapes.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

from core.prepared import convert_row

_counter = itertools.count(1)


def _probes(values: Sequence, round_: int) -> list:
    """Values of the same types that nothing else in a statement holds (distinct per position and per round)."""
    out = []
    for value in values:
        n = next(_counter) * 2 + round_
        if isinstance(value, bool):
            raise TypeError("Compiled: a bool is not a probe-able value")
        if isinstance(value, int):
            out.append(1_900_000_000 + n)  # within an integer column's range (no small integers)
        elif isinstance(value, str):
            out.append(f"\x1fprobe{n}\x1f")
        elif isinstance(value, datetime):
            # Rounds differ in year, month, day, hour and minute too: a build that used only part of the time (its
            # date, its hour, the start of its month) would give the same parameter twice and be kept as a constant.
            base = (datetime(1901, 2, 3, 4, 5, 6, tzinfo=value.tzinfo) if round_ % 2 else
                    datetime(1953, 7, 19, 13, 27, 48, tzinfo=value.tzinfo))
            out.append(base + timedelta(days=n, seconds=n))
        else:
            raise TypeError(f"Compiled: no probe for a {type(value).__name__}")
    return out


def _adapt(value, connection):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


@dataclass(frozen=True)
class _Shape:
    sql: str
    params: tuple  # the constants, None where a value goes
    slots: tuple  # (position in params, index in values)
    converters: list  # [(column, (converters, expression))]
    model_rows: tuple | None  # (model, init_list, start, end, populators) for instances()
    names: tuple  # the columns' names, for values()


def _compile(queryset_or_sql, connection, *, instances: bool):
    if isinstance(queryset_or_sql, QuerySet):
        compiler = queryset_or_sql.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        columns = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = list(compiler.get_converters(columns).items())
        query = queryset_or_sql.query
        names = tuple(query.selected) if getattr(query, "selected", None) else (
            *query.extra_select, *query.values_select, *query.annotation_select)
        model_rows = None
        if instances:
            klass_info, select = compiler.klass_info, compiler.select
            fields = klass_info["select_fields"]
            model_rows = (klass_info["model"], [s[0].target.attname for s in select[fields[0]: fields[-1] + 1]],
                          fields[0], fields[-1] + 1, get_related_populators(klass_info, select, connection.alias))
        return sql, list(params), converters, model_rows, names
    sql, params = queryset_or_sql
    return sql, list(params), [], None, ()


class Compiled:
    def __init__(self, *, size: int = 128, using: str = DEFAULT_DB_ALIAS):
        self.size, self.using = size, using
        self._shapes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> OrderedDict

    def _shape(self, connection, key, build: Callable, values: Sequence, instances: bool) -> _Shape | None:
        shapes = self._shapes.get(connection)
        if shapes is None:
            shapes = self._shapes[connection] = OrderedDict()
        try:
            shapes.move_to_end(key)
            return shapes[key]
        except KeyError:
            pass
        shape = self._make(connection, build, values, instances)
        shapes[key] = shape
        if len(shapes) > self.size:
            shapes.popitem(last=False)
        return shape

    @staticmethod
    def _make(connection, build: Callable, values: Sequence, instances: bool) -> _Shape | None:
        first, second = _probes(values, 0), _probes(values, 1)
        sql, params, converters, model_rows, names = _compile(build(*first), connection, instances=instances)
        sql_2, params_2, _c, _m, _n = _compile(build(*second), connection, instances=instances)
        if sql != sql_2 or len(params) != len(params_2):
            return None
        adapted = {_adapt(p, connection): i for i, p in enumerate(first)}
        adapted_2 = [_adapt(p, connection) for p in second]
        if len(adapted) != len(first):
            return None
        slots, constants = [], []
        for position, (a, b) in enumerate(zip(params, params_2, strict=True)):
            index = adapted.get(a) if isinstance(a, (int, str, datetime)) and not isinstance(a, bool) else None
            if index is not None:
                if b != adapted_2[index]:
                    return None
                slots.append((position, index))
                constants.append(None)
            elif a != b:
                return None  # a parameter the values do not explain
            else:
                constants.append(a)
        return _Shape(sql=sql, params=tuple(constants), slots=tuple(slots), converters=converters,
                      model_rows=model_rows, names=names)

    def _execute(self, key, build: Callable, values: Sequence, *, instances: bool = False):
        connection = connections[self.using]
        shape = self._shape(connection, key, build, values, instances)
        if shape is None:  # a shape this cannot keep: compiled every time
            sql, params, converters, model_rows, names = _compile(build(*values), connection, instances=instances)
        else:
            sql, converters, model_rows, names = shape.sql, shape.converters, shape.model_rows, shape.names
            params = list(shape.params)
            for position, index in shape.slots:
                params[position] = _adapt(values[index], connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [convert_row(row, converters, connection) for row in rows]
        return rows, model_rows, names

    def rows(self, key, build: Callable, values: Sequence) -> list[tuple]:
        """The statement's rows, converted as the ORM converts them."""
        rows, _m, _n = self._execute(key, build, values)
        return [tuple(r) for r in rows]

    def values(self, key, build: Callable, values: Sequence) -> list[dict]:
        """The rows of a `.values(...)` queryset (annotations included) as dicts, as the queryset gives them."""
        rows, _m, names = self._execute(key, build, values)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def instances(self, key, build: Callable, values: Sequence) -> list:
        """The queryset's model instances (with its select_related objects), as the ORM makes them."""
        rows, model_rows, _n = self._execute(key, build, values, instances=True)
        if model_rows is None:
            raise TypeError("Compiled.instances() takes a build that makes a queryset")
        model, init_list, start, end, populators = model_rows
        objects = []
        for row in rows:
            obj = model.from_db(self.using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects
