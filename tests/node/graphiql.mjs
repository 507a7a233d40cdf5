// The hub's GraphiQL in a real browser with no internet: Debian's Chromium, driven by
// playwright-core, aborts (and records) every request that is not to the hub's origin.
//
//   node graphiql.mjs <chromium> <hub base URL> <query> <variables JSON> <headers JSON>
//
// Opens <hub>/graphql in a fresh Italian profile and runs the default query; then opens
// <hub>/graphql?query=...&variables=..., types <headers JSON> into the headers editor and
// runs that; opens the settings dialog and the documentation explorer. Prints a JSON
// summary: the requests to other origins, console errors, page errors, CSP violations,
// and what each editor and result pane held. Exits 1 if a step could not be done.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [executablePath, base, query, variables, headers] = process.argv.slice(2);
const origin = new URL(base).origin;
const summary = {
  outside: [],
  consoleErrors: [],
  pageErrors: [],
  violations: [],
  failed: [],
};

// The editors and the result pane are CodeMirror 5 instances: their whole text, not just
// the lines on screen, is in `.CodeMirror.CodeMirror.getValue()`.
const QUERY_EDITOR = ".graphiql-query-editor .CodeMirror";
const RESULT = ".graphiql-response .CodeMirror";
const TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";

const text = (page, selector) =>
  page.$eval(selector, (element) => element.CodeMirror.getValue());

async function run(page) {
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    (selector) => {
      const pane = document.querySelector(selector);
      return pane !== null && pane.CodeMirror.getValue().trim().startsWith("{");
    },
    RESULT,
  );
  return JSON.parse(await text(page, RESULT));
}

async function opened(page, url) {
  await page.goto(url);
  await page.waitForSelector(QUERY_EDITOR);
}

const profile = await mkdtemp(join(tmpdir(), "concilia-graphiql-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  // An analyst's Italian browser: the hub answers in Italian unless told otherwise.
  locale: "it-IT",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let code = 0;
try {
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) {
      return route.continue();
    }
    summary.outside.push(url);
    return route.abort("blockedbyclient");
  });
  // Reported by the page itself: a violation of a policy in report-only mode would not
  // show up as a console error.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") {
      summary.consoleErrors.push(message.text());
      if (message.text().startsWith("CSP violation")) {
        summary.violations.push(message.text());
      }
    }
  });
  page.on("pageerror", (error) => summary.pageErrors.push(String(error)));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      summary.failed.push(`${response.status()} ${response.url()}`);
    }
  });

  await opened(page, `${base}/graphql`);
  summary.title = await page.title();
  summary.default = { query: await text(page, QUERY_EDITOR), result: await run(page) };

  const linked = new URL(`${base}/graphql`);
  linked.searchParams.set("query", query);
  linked.searchParams.set("variables", variables);
  await opened(page, linked.href);
  await page.click("button:text-is('Headers')");
  await page.$eval(TOOL_EDITOR, (element, value) => element.CodeMirror.setValue(value), headers);
  summary.linked = {
    query: await text(page, QUERY_EDITOR),
    headers: await text(page, TOOL_EDITOR),
    result: await run(page),
  };
  await page.click("button:text-is('Variables')");
  summary.linked.variables = await text(page, TOOL_EDITOR);

  // The dialogs and the explorer add styles at run time; the policy must allow them.
  await page.click("[aria-label='Open settings dialog']");
  await page.waitForSelector("[role='dialog']");
  summary.settingsDialog = await page.$eval("[role='dialog']", (dialog) => dialog.innerText);
  await page.keyboard.press("Escape");
  await page.click("[aria-label='Show Documentation Explorer']");
  await page.waitForSelector(".graphiql-doc-explorer-content");
  summary.docs = await page.$eval(".graphiql-doc-explorer-content", (docs) => docs.innerText);
} catch (error) {
  summary.error = String(error);
  code = 1;
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(summary));
process.exit(code);
