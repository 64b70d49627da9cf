// Guest posts in the web client: a staff author and a comms reviewer, each
// in their own browser context, take a post from draft to the public blog
// (submit, changes asked for, edit and resubmit, approve, publish), each
// seeing the other's steps live. Errors show at their field and nothing
// typed is lost; staff are told plainly that /review is not theirs. On
// SQLite, and on PostgreSQL when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { signInAs } from './helpers/client.js';
import { graphql, signIn } from './helpers/api.js';

const CREATE = 'mutation ($input: CreatePostDraftInput!) { createPostDraft(input: $input) { post { id } } }';
const SUBMIT = 'mutation ($input: PostIdInput!) { submitPost(input: $input) { post { id } } }';
const REQUEST_CHANGES = 'mutation ($input: PostCommentInput!) { requestPostChanges(input: $input) { post { id } } }';

const APPROVE = 'mutation ($input: PostCommentInput!) { approvePost(input: $input) { post { id } } }';

/** A new post of Anna's, submitted for review: its id. */
async function submitted(url, title) {
  const anna = await signIn(url, 'anna@example.com');
  const { me } = await graphql(url, '{ me { departments { id } } }', { token: anna });
  const { createPostDraft } = await graphql(url, CREATE, {
    token: anna,
    variables: { input: { title, body: `All about ${title}.`, departmentId: me.departments[0].id } },
  });
  await graphql(url, SUBMIT, { token: anna, variables: { input: { id: createPostDraft.post.id } } });
  return createPostDraft.post.id;
}

/** Anna's post, submitted and sent back by Clara with a comment: its id. */
async function postWithChangesRequested(url) {
  const anna = await signIn(url, 'anna@example.com');
  const { me } = await graphql(url, '{ me { departments { id } } }', { token: anna });
  const { createPostDraft } = await graphql(url, CREATE, {
    token: anna,
    variables: { input: { title: 'Our queue, by the hour', body: 'Mornings are **busy**.', departmentId: me.departments[0].id } },
  });
  const id = createPostDraft.post.id;
  await graphql(url, SUBMIT, { token: anna, variables: { input: { id } } });
  const clara = await signIn(url, 'clara@example.com');
  await graphql(url, REQUEST_CHANGES, { token: clara, variables: { input: { id, comment: 'Add the numbers, please.' } } });
  return id;
}

/** A signed-in page for a demo person. */
async function open(browser, url, person) {
  const page = await isolatedPage(browser, url);
  await signInAs(page, url, person);
  return page;
}

/** What went wrong on `pages`. */
const problems = (...pages) => pages.flatMap((page) => page.problems);

/** The status badge of the open post. */
const status = (page) => page.locator('.post-meta [data-status]');

for (const { name: backend, skip } of backends) {
  describe(`guest posts on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('takes a post from draft through changes and review to the public blog, live for author and reviewer', async () => {
      const author = await open(run.browser, run.server.url, 'anna');
      const reviewer = await open(run.browser, run.server.url, 'clara');
      const title = `How we answer 400 tickets a day ${Date.now()}`;

      // The author writes a draft and sees the server's preview.
      await author.goto(`${run.server.url}/posts`);
      await author.getByRole('heading', { name: 'Guest posts', level: 1 }).waitFor();
      await author.getByLabel('Title', { exact: true }).fill(title);
      await author.getByLabel('Excerpt').fill('Three habits of the customer service team.');
      await author.getByLabel('Text (markdown)').fill('We **triage** every morning.\n\n- first habit\n- second habit');
      await author.getByRole('button', { name: 'Create draft' }).click();
      await author.waitForURL(/\/posts\/[^/]+$/);
      await author.getByRole('heading', { name: title, level: 1 }).waitFor();
      assert.equal(await status(author).textContent(), 'Draft');
      assert.equal(await author.locator('.post-body strong').textContent(), 'triage');
      const postUrl = author.url();

      // The reviewer watches the queue; the submitted post arrives in it live.
      await reviewer.goto(`${run.server.url}/review`);
      await reviewer.getByRole('heading', { name: /Waiting for review/ }).waitFor();
      await author.getByRole('button', { name: 'Submit for review' }).click();
      await status(author).filter({ hasText: 'In review' }).waitFor();
      await reviewer.getByRole('link', { name: title }).click();
      await reviewer.getByRole('heading', { name: title, level: 1 }).waitFor();

      // Asking for changes needs a comment: the error is at the comment box.
      await reviewer.getByRole('button', { name: 'Request changes' }).click();
      await reviewer.locator('#review-comment-error').waitFor();
      await reviewer.getByLabel('Comment for the author').fill('Please add a customer quote.');
      await reviewer.getByRole('button', { name: 'Request changes' }).click();
      await status(reviewer).filter({ hasText: 'Changes requested' }).waitFor();

      // The author sees it live, with the comment, edits and resubmits.
      await status(author).filter({ hasText: 'Changes requested' }).waitFor();
      await author.locator('.post-callout', { hasText: 'Please add a customer quote.' }).waitFor();
      await author.getByLabel('Text (markdown)').fill(
        'We **triage** every morning.\n\n> "They called back within the hour." — a customer\n\n- first habit\n- second habit');
      await author.getByRole('button', { name: 'Save and resubmit' }).click();
      await status(author).filter({ hasText: 'In review' }).waitFor();
      await author.locator('.post-body blockquote', { hasText: 'called back' }).waitFor();

      // The reviewer's open page follows; they approve and publish.
      await status(reviewer).filter({ hasText: 'In review' }).waitFor();
      await reviewer.locator('.post-revisions summary', { hasText: 'Version 2' }).waitFor();
      await reviewer.getByRole('button', { name: 'Approve' }).click();
      await status(reviewer).filter({ hasText: 'Approved' }).waitFor();
      await reviewer.getByRole('button', { name: 'Publish now' }).click();
      await status(reviewer).filter({ hasText: 'Published' }).waitFor();
      const blogLink = reviewer.getByRole('link', { name: 'Read it on the blog' });
      assert.match(await blogLink.getAttribute('href'), /^\/blog\/[a-z0-9-]+$/);

      // The author sees it published, with the whole history.
      await status(author).filter({ hasText: 'Published' }).waitFor();
      const history = await author.locator('.post-history li').allTextContents();
      assert.ok(history.some((h) => h.includes('Clara') && h.includes('In review → Changes requested') && h.includes('customer quote')), history.join('\n'));
      assert.ok(history.some((h) => h.includes('Approved → Published')), history.join('\n'));
      assert.equal(author.url(), postUrl);

      // It is on the public blog, and its link leads there.
      await reviewer.goto(`${run.server.url}/blog`);
      await reviewer.getByRole('link', { name: title }).first().waitFor();
      await reviewer.goBack();
      await reviewer.getByRole('link', { name: 'Read it on the blog' }).click();
      await reviewer.waitForURL(/\/blog\/[a-z0-9-]+$/);
      await reviewer.getByRole('heading', { name: title }).waitFor();

      assert.deepEqual(problems(author, reviewer), []);
      await author.context().close();
      await reviewer.context().close();
    });

    it("shows a field's error at that field and keeps the unsaved draft across a reload", async () => {
      const page = await open(run.browser, run.server.url, 'anna');
      await page.goto(`${run.server.url}/posts`);
      await page.getByLabel('Title', { exact: true }).fill('Kept through a reload');
      await page.getByLabel('Text (markdown)').fill('Nothing typed is lost.');
      await page.getByLabel('Address on the blog').fill('Not A Slug!');
      await page.getByRole('button', { name: 'Create draft' }).click();
      const slugError = page.locator('#new-post-slug-error');
      await slugError.waitFor();
      assert.equal(await page.getByLabel('Address on the blog').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#new-post-title-error').count(), 0);

      await page.reload();
      await page.getByRole('heading', { name: 'New draft' }).waitFor();
      assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Kept through a reload');
      assert.equal(await page.getByLabel('Text (markdown)').inputValue(), 'Nothing typed is lost.');
      await page.getByLabel('Address on the blog').fill('kept-through-a-reload');
      await page.getByRole('button', { name: 'Create draft' }).click();
      await page.getByRole('heading', { name: 'Kept through a reload', level: 1 }).waitFor();

      // Saved, it is in the list, and the new-draft form is empty again.
      await page.getByRole('link', { name: '← Guest posts' }).click();
      await page.locator('.post-list a', { hasText: 'Kept through a reload' }).waitFor();
      assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), '');
      assert.deepEqual(problems(page), []);
      await page.context().close();
    });

    it("keeps what is typed when the draft changed in another tab, takes that tab's edit and saves on the second try", async () => {
      const anna = await signIn(run.server.url, 'anna@example.com');
      const { me } = await graphql(run.server.url, '{ me { departments { id } } }', { token: anna });
      const { createPostDraft } = await graphql(run.server.url,
        'mutation ($input: CreatePostDraftInput!) { createPostDraft(input: $input) { post { id version } } }',
        { token: anna, variables: { input: { title: 'Two tabs', body: 'First words.', departmentId: me.departments[0].id } } });
      const { id, version } = createPostDraft.post;
      const page = await open(run.browser, run.server.url, 'anna');
      await page.goto(`${run.server.url}/posts/${id}`);
      await page.getByLabel('Text (markdown)').fill('Words typed in this tab.');
      // Meanwhile the other tab renames it.
      await graphql(run.server.url,
        'mutation ($input: UpdatePostDraftInput!) { updatePostDraft(input: $input) { post { version } } }',
        { token: anna, variables: { input: { id, expectedVersion: version, title: 'Two tabs, renamed' } } });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText(/changed elsewhere/).waitFor();
      await page.getByRole('heading', { name: 'Two tabs, renamed', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('Text (markdown)').inputValue(), 'Words typed in this tab.');
      assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Two tabs, renamed');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('.post-body', { hasText: 'Words typed in this tab.' }).waitFor();
      assert.equal(await page.getByText(/changed elsewhere/).count(), 0);
      const { post } = await graphql(run.server.url, 'query ($id: ID!) { post(id: $id) { title body } }', { token: anna, variables: { id } });
      assert.deepEqual(post, { title: 'Two tabs, renamed', body: 'Words typed in this tab.' });
      assert.deepEqual(problems(page), []);
      await page.context().close();
    });

    it("schedules an approved post in the reviewer's time zone and takes it back; the author withdraws one and reads why another was rejected", async () => {
      const toSchedule = await submitted(run.server.url, 'Scheduled for tomorrow');
      const toReject = await submitted(run.server.url, 'Not for the blog');
      const toWithdraw = await submitted(run.server.url, 'Not ready yet');
      const claraToken = await signIn(run.server.url, 'clara@example.com');
      await graphql(run.server.url, APPROVE, { token: claraToken, variables: { input: { id: toSchedule } } });
      const reviewer = await open(run.browser, run.server.url, 'clara');
      const author = await open(run.browser, run.server.url, 'anna');

      // Tomorrow 09:00 where Clara lives.
      const { me } = await graphql(run.server.url, '{ me { timeZone } }', { token: claraToken });
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: me.timeZone }).format(new Date(Date.now() + 86_400_000));
      await reviewer.goto(`${run.server.url}/posts/${toSchedule}`);
      await status(reviewer).filter({ hasText: 'Approved' }).waitFor();
      await reviewer.getByLabel('Publish at').fill(`${day}T09:00`);
      await reviewer.getByRole('button', { name: 'Schedule' }).click();
      await status(reviewer).filter({ hasText: 'Scheduled' }).waitFor();
      await reviewer.getByText(/^Publishes /).waitFor();
      const { post } = await graphql(run.server.url, 'query ($id: ID!) { post(id: $id) { publishAt } }', { token: claraToken, variables: { id: toSchedule } });
      const at = new Intl.DateTimeFormat('en-CA', { timeZone: me.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(post.publishAt));
      assert.equal(at, `${day}, 09:00`);
      await reviewer.getByRole('button', { name: 'Unschedule' }).click();
      await status(reviewer).filter({ hasText: 'Approved' }).waitFor();

      // A rejection needs a reason, which the author then reads.
      await reviewer.goto(`${run.server.url}/posts/${toReject}`);
      await reviewer.getByRole('button', { name: 'Reject' }).click();
      await reviewer.locator('#review-comment-error').waitFor();
      await reviewer.getByLabel('Comment for the author').fill('We covered this topic last month.');
      await reviewer.getByRole('button', { name: 'Reject' }).click();
      await status(reviewer).filter({ hasText: 'Rejected' }).waitFor();
      await author.goto(`${run.server.url}/posts/${toReject}`);
      await status(author).filter({ hasText: 'Rejected' }).waitFor();
      await author.locator('.post-callout', { hasText: 'We covered this topic last month.' }).waitFor();
      assert.equal(await author.getByLabel('Text (markdown)').count(), 0);

      // The author takes a post out of review and may edit it again.
      await author.goto(`${run.server.url}/posts/${toWithdraw}`);
      await author.getByRole('button', { name: 'Withdraw' }).click();
      await status(author).filter({ hasText: 'Draft' }).waitFor();
      await author.getByLabel('Text (markdown)').waitFor();
      await author.getByRole('button', { name: 'Save and resubmit' }).waitFor();

      assert.deepEqual(problems(author, reviewer), []);
      await author.context().close();
      await reviewer.context().close();
    });

    it('has no serious or critical axe-core violation on its screens, in light and dark, nor overflows at 320 px', async () => {
      const { scanScreens } = await import('./helpers/axe.js');
      const mine = await postWithChangesRequested(run.server.url);
      const clara = await signIn(run.server.url, 'clara@example.com');
      const { reviewQueue } = await graphql(run.server.url, '{ reviewQueue(first: 1) { nodes { id } } }', { token: clara });
      const screens = [
        ['anna', '/posts'], ['anna', `/posts/${mine}`], ['anna', '/review'],
        ['clara', '/'], ['clara', '/review'], ['clara', `/posts/${reviewQueue.nodes[0].id}`],
      ];
      const found = await scanScreens(run.browser, run.server.url, screens, async (page, path, colorScheme) => {
        if (colorScheme !== 'light') return [];
        await page.setViewportSize({ width: 320, height: 640 });
        // On home, only this screen's card is ours to hold to it.
        const wide = await page.evaluate((ours) => {
          const edge = document.querySelector('main').getBoundingClientRect().right;
          const root = document.querySelector(ours);
          return [root, ...root.querySelectorAll('*')]
            .filter((e) => e.getBoundingClientRect().right > edge + 0.5)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
        }, path === '/' ? '.review-card' : 'main');
        await page.setViewportSize({ width: 1280, height: 800 });
        return wide.length ? [`320 px ${path}: wider than the screen: ${wide.join(', ')}`] : [];
      });
      assert.deepEqual(found, []);
    });

    it('tells staff that the review queue is for the communications team', async () => {
      const page = await open(run.browser, run.server.url, 'anna');
      await page.goto(`${run.server.url}/review`);
      await page.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
      await page.getByText('The review queue is for the communications team.').waitFor();
      await page.getByRole('link', { name: 'Go to your guest posts' }).waitFor();
      assert.deepEqual(problems(page), []);
      await page.context().close();
    });
  });
}
