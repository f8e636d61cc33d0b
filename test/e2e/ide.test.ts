import { accessSync, constants } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complaintFixture } from '../helpers/complaints.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The bundled GraphiQL IDE end to end, as a person uses it, in Debian's Chromium driven by
 * playwright-core (which never downloads a browser): the page renders from our own assets
 * only, the schema introspection succeeds before any token is set (documentation explorer,
 * autocompletion), and a token pasted into the Headers editor runs a query.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = (() => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

/** Generous: a cold Chromium on a loaded CI machine. */
const WAIT = 20_000;

describe.skipIf(!hasChromium)(
  hasChromium ? 'the GraphiQL IDE in Chromium' : `the GraphiQL IDE in Chromium: SKIPPED, ${CHROMIUM} is absent (apt-get install chromium)`,
  () => {
    let t: TestApp;
    let browser: Browser;

    beforeAll(async () => {
      t = await startTestApp();
      // Playwright starts it on a fresh temporary --user-data-dir (removed on close).
      // Without the background-networking flags Chromium dials out, and this machine refuses.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 60_000,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    /** Replaces an editor's contents as a user does: click in, select all, type over. */
    async function replaceEditorText(page: Page, editor: string, text: string) {
      const codeMirror = page.locator(`${editor} .CodeMirror`);
      await codeMirror.locator('.CodeMirror-lines').click();
      // CodeMirror takes keys through its hidden textarea; a click during a re-layout can miss it.
      const input = codeMirror.locator('textarea');
      if (!(await input.evaluate((el) => el === document.activeElement))) await input.focus();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // insertText, not type(): no auto-closed brackets or picked completions in the way.
      if (text) await page.keyboard.insertText(text);
      await expect.poll(() => codeMirror.evaluate((el: any) => el.CodeMirror.getValue())).toBe(text);
    }

    /** The next POST /graphql whose body matches. */
    const nextGraphqlPost = (page: Page, body: RegExp) =>
      page.waitForResponse((r) => r.url() === `${t.url}/graphql` && r.request().method() === 'POST' && body.test(r.request().postData() ?? ''));

    it('loads the schema (docs, autocompletion) and runs a query with a pasted token', { timeout: 90_000 }, async () => {
      const context = await browser.newContext();
      context.setDefaultTimeout(WAIT);
      const page = await context.newPage();
      const requests: string[] = [];
      const consoleErrors: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        // The browser's own favicon probe: the API has none, and that is fine.
        if (m.location().url === `${t.url}/favicon.ico`) return;
        consoleErrors.push(`${m.text()} (${m.location().url})`);
      });

      // Opening the page (Chromium asks for text/html, as browsers do) introspects the
      // schema at once, with the Headers editor still holding its placeholder.
      const introspected = nextGraphqlPost(page, /__schema/);
      await page.goto(`${t.url}/graphql`);
      const introspection = await introspected;
      const schema = await introspection.json();
      expect(introspection.status(), JSON.stringify(schema)).toBe(200);
      expect(schema.errors).toBeUndefined();
      expect(schema.data.__schema.queryType.name).toBe('Query');
      await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor();

      // Documentation explorer: the query root, the schema's types, a field of Query.
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      const docs = page.locator('.graphiql-doc-explorer');
      await docs.locator('.graphiql-doc-explorer-root-type', { hasText: 'query' }).waitFor();
      await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Customer$/ }).first().waitFor();
      await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
      await docs.locator('.graphiql-doc-explorer-title', { hasText: /^Query$/ }).waitFor();
      await docs.locator('a.graphiql-doc-explorer-field-name', { hasText: /^viewer$/ }).waitFor();

      // Autocompletion from the introspected schema while typing.
      await replaceEditorText(page, '.graphiql-query-editor', '');
      await page.keyboard.type('{ vie');
      await page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: /^viewer$/ }).waitFor();
      await page.keyboard.press('Escape');

      // A token pasted over the placeholder in the Headers editor, a query, the run button.
      const token = await t.token('ADMIN');
      await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
      await replaceEditorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token}` }));
      const query = '{ viewer { id role } }';
      await replaceEditorText(page, '.graphiql-query-editor', query);
      // GraphiQL parses an edit after a short debounce (operation name and all); run after
      // that, as a person would, or it still sends the previous operation name.
      await expect
        .poll(() => page.locator('.graphiql-query-editor .CodeMirror').evaluate((el: any) => el.CodeMirror.documentAST?.loc?.source.body))
        .toBe(query);
      const ran = nextGraphqlPost(page, /viewer/);
      await page.locator('.graphiql-execute-button').click();
      const response = await ran;
      expect(response.request().headers().authorization).toBe(`Bearer ${token}`);
      expect(response.status(), `${response.request().postData()} -> ${await response.text()}`).toBe(200);

      // What the user sees in the result pane.
      const result = page.locator('.graphiql-response .CodeMirror');
      await expect.poll(() => result.innerText(), { timeout: WAIT }).toMatch(/"role":\s*"ADMIN"/);
      const shown = JSON.parse(await result.evaluate((el: any) => el.CodeMirror.getValue()));
      expect(shown.errors).toBeUndefined();
      expect(shown.data.viewer).toMatchObject({ id: expect.any(String), role: 'ADMIN' });

      // A subscription, over graphql-ws with the pasted token: a complaint created meanwhile appears.
      const fx = await complaintFixture(t);
      const subscription = `subscription { complaintCreated(filter: { projectIds: ["${fx.project.id}"] }) { cursor complaint { number } } }`;
      await replaceEditorText(page, '.graphiql-query-editor', subscription);
      await expect
        .poll(() => page.locator('.graphiql-query-editor .CodeMirror').evaluate((el: any) => el.CodeMirror.documentAST?.loc?.source.body))
        .toBe(subscription);
      const streams = t.app.events.size;
      const socket = page.waitForEvent('websocket');
      await page.locator('.graphiql-execute-button').click();
      expect((await socket).url()).toBe(`${t.url.replace('http', 'ws')}/graphql`);
      await expect.poll(() => t.app.events.size, { timeout: WAIT }).toBeGreaterThan(streams);
      const created = await t.gql(
        `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { number } } }`,
        { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '厨房水管漏水' } },
        'ADMIN',
      );
      const number = created.data.createComplaint.complaint.number as string;
      await expect.poll(() => result.innerText(), { timeout: WAIT }).toContain(number);

      // Nothing fetched from anywhere but this server, and a quiet console.
      expect(requests).toContain(`${t.url}/ide/graphiql.js`);
      expect(requests.filter((u) => !u.startsWith(`${t.url}/`))).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await context.close();
    });
  },
);
