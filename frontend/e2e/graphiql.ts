/** Driving GraphiQL in the GraphQL playground (GET /graphql), shared by its test and the screenshots. */
import type { Page } from "playwright-core";
import type { Backend } from "./harness";
import { pollUntil } from "./harness";

/** Opens the playground and waits for its editor and the session bar's answer. */
export async function openPlayground(page: Page, backend: Backend) {
  await page.goto(`${backend.url}/graphql`);
  await page.locator(".graphiql-query-editor .CodeMirror").waitFor();
  await page.locator(".playground-bar__session", { hasText: /Signed in|Not signed in/ }).waitFor();
}

/** Switches to the example tab of operation `name`. */
export async function selectTab(page: Page, name: string) {
  await page.getByRole("tab").getByRole("button", { name, exact: true }).click();
  await page.getByRole("tab", { selected: true }).getByRole("button", { name, exact: true }).waitFor();
  // GraphiQL re-reads the operation's name from the editor a moment after a tab switch (a
  // debounced parse); until then it would send the previous tab's name ("Unknown operation").
  await pollUntil(`GraphiQL to read the operation name ${name}`, async () =>
    (await page
      .locator(".graphiql-query-editor .CodeMirror")
      .evaluate((el) => (el as unknown as { CodeMirror: { operationName?: string } }).CodeMirror.operationName)) === name
      ? true
      : undefined,
  );
}

/** The text in an editor (CodeMirror renders only the visible lines; its instance has them all). */
async function editorText(page: Page, selector: string): Promise<string> {
  return page
    .locator(`${selector} .CodeMirror`)
    .evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
}

/** Runs the active tab's operation and waits until the response contains `expected`. */
export async function run(page: Page, expected: string | RegExp): Promise<string> {
  // Empty the response first, so an earlier answer cannot pass for this one.
  await page
    .locator(".result-window .CodeMirror")
    .evaluate((el) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(""));
  await page.getByRole("button", { name: "Execute query (Ctrl-Enter)" }).click();
  return responseContaining(page, expected);
}

export async function responseContaining(page: Page, expected: string | RegExp): Promise<string> {
  return pollUntil(
    `the playground's response to contain ${expected}`,
    async () => {
      const text = await editorText(page, ".result-window");
      return (typeof expected === "string" ? text.includes(expected) : expected.test(text)) ? text : undefined;
    },
    { timeoutMs: 15_000 },
  );
}
