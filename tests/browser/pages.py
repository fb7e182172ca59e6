"""What several browser tests do on a page: sign in, find a score's inputs."""

from playwright.sync_api import Locator, Page, expect

PASSWORD = "pw-for-tests"  # every factory-made user's


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def score_input(page: Page, number: str) -> Locator:
    return page.locator(f"tr.item-row[data-item='{number}'] .score-input")


def reason_input(page: Page, number: str) -> Locator:
    return page.locator(f"tr.item-row[data-item='{number}'] .reason-input")
