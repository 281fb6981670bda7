"""``/api/docs`` in a real Chromium: Swagger UI, served by the app itself, renders the API's
OpenAPI document under the app's strict CSP (no console error, no request to another host)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_the_api_docs_render_every_operation_from_this_site_alone(page, site):
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]) if r.url.startswith("http") else None)
    page.goto(site.url("/api/docs"))
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    document = page.request.get(site.url("/api/v1/openapi.json")).json()
    expected = sum(len(item) for item in document["paths"].values())
    expect(operations).to_have_count(expected)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lantai API")
    screenshot(page, "api-docs-desktop", full_page=False)
    assert hosts == {site.base.split("/")[2]}
    assert not errors, errors
