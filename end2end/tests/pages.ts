// Page objects for the console: tests speak in user actions, selectors live here.
import { expect, type Page } from "@playwright/test";

export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated='true']")).toHaveCount(1);
}

export class SignInPage {
  constructor(private page: Page) {}

  async open(path = "/signin") {
    await this.page.goto(path);
    await hydrated(this.page);
  }

  async signIn(name: string, password: string) {
    await this.page.getByTestId("signin-name").fill(name);
    await this.page.getByTestId("signin-password").fill(password);
    await this.page.getByTestId("signin-submit").click();
  }

  error() {
    return this.page.getByTestId("signin-error");
  }
}

export class Console {
  constructor(private page: Page) {}

  nav() {
    return this.page.getByTestId("console-nav");
  }

  navLink(section: "overview" | "applications" | "sources" | "users" | "logs") {
    return this.page.getByTestId(`nav-${section}`);
  }

  /** The navigation entries marked as the current page. */
  currentNav() {
    return this.page.locator("[data-testid='console-nav'] [aria-current='page']");
  }

  async go(section: "overview" | "applications" | "sources" | "users" | "logs") {
    await this.navLink(section).click();
  }

  async language(lang: "zh" | "en") {
    await this.page.getByTestId(`lang-${lang}`).click();
  }

  async signOut() {
    await this.page.getByTestId("sign-out").click();
  }

  adminName() {
    return this.page.getByTestId("admin-name");
  }

  emptyState() {
    return this.page.getByTestId("empty-state");
  }

  title() {
    return this.page.getByTestId("page-title");
  }
}
