"""Imports against a real database: every bad row reported and nothing stored, the fixed
file stored whole, a second import a no-op, changed rows updated, references and other
organisations' rows checked."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.imports import ImportRejectedError, ImportReport, run_import
from chargegrid.services import local_lists, stations
from chargegrid.store.models import (
    IdToken,
    LocalListPending,
    Organisation,
    Site,
    Station,
    User,
    Vehicle,
)

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
N = 2000


def _import(sessions: sessionmaker[Session], kind: str, text: str, **kw: Any) -> ImportReport:
    with sessions() as s:
        report = run_import(s, kind=kind, data=text.encode(), organisation_id=kw.pop(
            "organisation_id", 1), now=NOW, **kw)
        s.commit()
        return report


def _rejected(sessions: sessionmaker[Session], kind: str, text: str,
              **kw: Any) -> ImportReport:
    with sessions() as s, pytest.raises(ImportRejectedError) as caught:
        run_import(s, kind=kind, data=text.encode(), organisation_id=kw.pop(
            "organisation_id", 1), now=NOW, **kw)
    return caught.value.report


def _count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _users_csv(n: int) -> str:
    return "email,name\n" + "".join(f"u{i}@example.org,User {i}\n" for i in range(n))


def test_tokens_50_bad_rows_then_fixed_then_again(sessions: sessionmaker[Session]) -> None:
    _import(sessions, "users", _users_csv(N))
    bad = set(random.Random(1).sample(range(N), 50))
    reasons = ["Nope,2030-01-01,u{i}@example.org", "Accepted,soon,u{i}@example.org",
               "Accepted,2030-01-01,nobody{i}@example.org"]

    def csv(broken: set[int]) -> str:
        rows = [f"{i:010X}," + (reasons[i % 3].format(i=i) if i in broken
                                 else f"Accepted,2030-01-01,u{i}@example.org")
                for i in range(N)]
        return "token,status,expires_at,user_email\n" + "\n".join(rows) + "\n"

    report = _rejected(sessions, "tokens", csv(bad))
    assert sorted(e.line for e in report.errors) == sorted(i + 2 for i in bad)
    fields = {e.field for e in report.errors}
    assert fields == {"status", "expires_at", "user_email"}
    assert _count(sessions, IdToken) == 0

    first = _import(sessions, "tokens", csv(set()))
    assert (first.rows, first.created, first.updated, first.unchanged) == (N, N, 0, 0)
    with sessions() as s:
        row = s.scalars(select(IdToken).where(IdToken.token == f"{5:010X}")).one()
        owner = s.get(User, row.user_id)
        assert owner is not None and owner.email == "u5@example.org"
        assert row.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
        stamp = row.updated_at
    again = _import(sessions, "tokens", csv(set()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, N)
    with sessions() as s:
        row = s.scalars(select(IdToken).where(IdToken.token == f"{5:010X}")).one()
        assert row.updated_at == stamp  # a no-op touches nothing


def test_changed_rows_update_only_their_columns(sessions: sessionmaker[Session]) -> None:
    _import(sessions, "tokens", "token,status,label\nA,Accepted,first\nB,Accepted,second\n")
    report = _import(sessions, "tokens", "token,status\nA,Blocked\nB,Accepted\n")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    with sessions() as s:
        rows = {t.token: t for t in s.scalars(select(IdToken))}
        assert (rows["A"].status, rows["A"].label) == ("Blocked", "first")
        # An empty cell clears an optional field but keeps a field that cannot be empty.
    _import(sessions, "tokens", "token,status,label\nA,,\n")
    with sessions() as s:
        row = s.scalars(select(IdToken).where(IdToken.token == "A")).one()
        assert (row.status, row.label) == ("Blocked", None)


def test_blocking_by_import_queues_local_list_removal(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        stations.create(s, station_id="CP1", now=NOW)
        local_lists.enable(s, station_id="CP1")
        s.commit()
    _import(sessions, "tokens", "token\nLOST\nKEPT\n")
    with sessions() as s:
        s.execute(delete(LocalListPending))
        s.commit()
    _import(sessions, "tokens", "token,status\nLOST,Blocked\nKEPT,Accepted\n")
    with sessions() as s:
        assert local_lists.pending_tokens(s, station_id="CP1") == {"LOST"}


def test_header_problems_are_reported_on_line_1(sessions: sessionmaker[Session]) -> None:
    report = _rejected(sessions, "users", "name,colour\nAnn,red\n")
    assert [(e.line, e.field) for e in sorted(report.errors)] == [(1, "colour"), (1, "email")]


def test_duplicates_and_bad_cells_in_one_pass(sessions: sessionmaker[Session]) -> None:
    report = _rejected(sessions, "users", "email,role,active\n"
                       "a@x.org,driver,yes\nA@X.org,driver,yes\nb@x.org,king,perhaps\n")
    assert [(e.line, e.field) for e in sorted(report.errors)] == [
        (3, "email"), (4, "active"), (4, "role")]
    assert "already on line 2" in sorted(report.errors)[0].reason
    assert _count(sessions, User) == 0


def test_rows_of_another_organisation_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        s.add(Organisation(id=2, name="Other", created_at=NOW))
        s.commit()
    _import(sessions, "stations", "id,vendor\nCP1,Acme\n", organisation_id=2)
    report = _rejected(sessions, "stations", "id,vendor\nCP1,Acme\nCP2,Acme\n")
    assert [(e.line, e.field) for e in report.errors] == [(2, "id")]
    assert "another organisation" in report.errors[0].reason
    assert _count(sessions, Station) == 1
    # Licence plates are per organisation: the same plate in two is two vehicles.
    _import(sessions, "vehicles", "licence_plate\nAB-123-CD\n", organisation_id=2)
    report = _import(sessions, "vehicles", "licence_plate,label\nab 123 cd,Van\n")
    assert report.created == 1 and _count(sessions, Vehicle) == 2


def test_stations_with_sites_and_dry_run(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        s.add(Site(name="Depot", topology={}, created_at=NOW, updated_at=NOW))
        s.commit()
    text = "id,max_current_a,site,node_id\nCP1,32,Depot,main\nCP2,16,Nowhere,\n"
    report = _rejected(sessions, "stations", text)
    assert [(e.line, e.field) for e in report.errors] == [(3, "site")]
    fixed = text.replace("Nowhere", "Depot")
    dry = _import(sessions, "stations", fixed, dry_run=True)
    assert (dry.created, dry.dry_run) == (2, True) and _count(sessions, Station) == 0
    _import(sessions, "stations", fixed)
    with sessions() as s:
        cp1 = s.get(Station, "CP1")
        assert cp1 is not None and cp1.max_current_a == 32 and cp1.node_id == "main"
        assert cp1.site_id is not None and cp1.registration_status == "Accepted"
    assert _import(sessions, "stations", fixed).unchanged == 2


def test_vehicles_need_known_users(sessions: sessionmaker[Session]) -> None:
    text = "licence_plate,vin,user_email\nAB123,WVWZZZ1JZXW000001,ann@x.org\n"
    report = _rejected(sessions, "vehicles", text)
    assert "import users first" in report.errors[0].reason
    _import(sessions, "users", "email\nann@x.org\n")
    assert _import(sessions, "vehicles", text).created == 1
    with sessions() as s:
        car = s.scalars(select(Vehicle)).one()
        assert car.label == "AB123" and car.vin == "WVWZZZ1JZXW000001"


def test_unknown_organisation_and_kind(sessions: sessionmaker[Session]) -> None:
    from chargegrid.errors import InvalidInputError, NotFoundError

    with sessions() as s:
        with pytest.raises(NotFoundError, match="organisation 9"):
            run_import(s, kind="users", data=b"email\na@x.org\n", organisation_id=9, now=NOW)
        with pytest.raises(InvalidInputError, match="kind"):
            run_import(s, kind="cars", data=b"x\n", organisation_id=1, now=NOW)
