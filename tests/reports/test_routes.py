"""The report routes: JSON, streamed CSV, PDF with charts, scoping to the caller's
organisation, and 422s naming the bad parameter."""

from __future__ import annotations

import csv
import io

import httpx
import pypdf
from fastapi import FastAPI

from chargegrid.domain.permissions import Action, Resource, scope_for
from chargegrid.runtime import Runtime
from chargegrid.services import accounts
from tests.api.conftest import bearer
from tests.reports.dataset import Dataset

BASE = "/api/v1/reports"
PERIOD = {"start": "2026-11-02", "end": "2026-11-09", "timezone": "Europe/Paris"}


async def test_summary_json_is_scoped_to_the_callers_organisation(
        reader: httpx.AsyncClient, data: Dataset) -> None:
    answer = await reader.get(f"{BASE}/summary", params=PERIOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["totals"]["sessions"] == 3 and body["totals"]["energy_kwh"] == "16.500"
    assert [s["station_id"] for s in body["stations"]] == ["CP1", "CP2"]
    assert {r["currency"]: r["total"] for r in body["revenue"]} == {"CHF": "1.0800",
                                                                    "EUR": "3.0000"}
    assert body["period"]["timezone"] == "Europe/Paris"
    assert len(body["energy_per_day"]) == 7


async def test_sessions_csv_streams_one_line_per_session(client: httpx.AsyncClient,
                                                         data: Dataset) -> None:
    answer = await client.get(f"{BASE}/sessions", params={**PERIOD, "format": "csv",
                                                         "station_id": "CP2"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="chargegrid-sessions-20261102-20261109.csv"' in answer.headers[
        "content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [int(r["transaction_id"]) for r in rows] == [data.tx2, data.tx5]
    # Local time with its offset: 23:30 UTC on the 3rd is 00:30 on the 4th in Paris.
    assert rows[0]["started_at"] == "2026-11-04T00:30:00+01:00"
    assert (rows[0]["energy_kwh"], rows[0]["currency"], rows[0]["revenue_total"]) == (
        "5.000", "CHF", "1.0800")
    assert rows[1]["stopped_at"] == "" and rows[1]["revenue_total"] == ""


async def test_summary_pdf_has_charts_and_tables(client: httpx.AsyncClient,
                                                 data: Dataset) -> None:
    answer = await client.get(f"{BASE}/summary", params={**PERIOD, "format": "pdf"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages)
    for expected in ("Charging and financial report", "Energy per day (kWh)",
                     "Utilisation per station (%)", "CP1", "16.500", "EUR", "3.00"):
        assert expected in text, expected


async def test_sessions_pdf_lists_the_sessions(client: httpx.AsyncClient,
                                               data: Dataset) -> None:
    answer = await client.get(f"{BASE}/sessions", params={**PERIOD, "format": "pdf"})
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages)
    assert "Charging sessions" in text and "TAG1" in text and "2026-11-04 00:30" in text
    assert "CPX" not in text


async def test_summary_csv_long_form(client: httpx.AsyncClient, data: Dataset) -> None:
    answer = await client.get(f"{BASE}/summary", params={**PERIOD, "format": "csv"})
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["totals", "", "energy_kwh", "16.500"] in rows
    assert ["revenue", "EUR", "total", "3.0000"] in rows
    assert ["station", "CP1", "utilisation_pct", "1.2"] in rows
    assert ["day", "2026-11-04", "energy_kwh", "5.000"] in rows


async def test_bad_parameters_are_422_naming_the_field(client: httpx.AsyncClient,
                                                       data: Dataset) -> None:
    for params, field in [
        ({**PERIOD, "start": "last-week"}, "start"),
        ({**PERIOD, "end": "2026-11-01"}, "end"),
        ({**PERIOD, "timezone": "Nowhere/City"}, "timezone"),
        ({**PERIOD, "format": "xlsx"}, "format"),
        ({"end": "2026-11-09"}, "start"),
    ]:
        answer = await client.get(f"{BASE}/summary", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"] == "invalid_input"
        named = answer.json()["message"].split(":")[0]
        assert named in (field, f"query.{field}"), answer.json()


async def test_filters_naming_another_organisations_objects_are_not_found(
        client: httpx.AsyncClient, data: Dataset) -> None:
    for params in ({"organisation_id": str(data.other_org)}, {"station_id": "CPX"},
                   {"station_id": "NOPE"}):
        answer = await client.get(f"{BASE}/summary", params={**PERIOD, **params})
        assert answer.status_code == 404, (params, answer.text)
        assert answer.json()["error"] == "not_found"


async def test_anonymous_callers_are_refused(anon: httpx.AsyncClient) -> None:
    assert (await anon.get(f"{BASE}/summary", params=PERIOD)).status_code == 401


async def test_rights_follow_the_permission_table(reader: httpx.AsyncClient,
                                                   runtime: Runtime, app: FastAPI,
                                                   data: Dataset) -> None:
    """Read needs `report` read; CSV and PDF also need `report` export; drivers have none."""
    for role in ("read_only", "driver"):
        now = runtime.clock.now()
        with runtime.sessions() as s:
            user = accounts.create_user(s, email=f"{role}@example.net", now=now, role=role)
            _, clear = accounts.issue_token(s, user=user, name="t", now=now)
            s.commit()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test", headers=bearer(clear)) as c:
            for fmt, action in (("json", Action.READ), ("csv", Action.EXPORT),
                                ("pdf", Action.EXPORT)):
                allowed = (scope_for(role, Resource.REPORT, Action.READ) is not None
                           and scope_for(role, Resource.REPORT, action) is not None)
                answer = await c.get(f"{BASE}/sessions", params={**PERIOD, "format": fmt})
                assert answer.status_code == (200 if allowed else 403), (role, fmt)
