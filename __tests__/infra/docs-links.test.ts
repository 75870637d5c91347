/**
 * The architecture documents point every claim at the code or the test that enforces it. This
 * test keeps those pointers true: it fails when a document cites a path that no longer exists,
 * a symbol its file no longer contains, a test name its file no longer has, or a decision record
 * by a number that has no file.
 *
 * What counts as a citation (docs/security.md says the same to its writers):
 * - a Markdown link or image to a relative path, resolved from the document's folder; a `#anchor`
 *   into a Markdown file must name one of its headings (GitHub's slugs);
 * - a code span holding a repository path (`modules/edge/edge.ts`, `docs/decisions/`), with an
 *   optional `#symbol` the file must contain (`modules/microservice/microservice.ts#capacityProviderStrategy`);
 * - a test citation: a code span with a test file, then ` › "test name"` — the name as written in
 *   the test file (placeholders such as `%s` included; a quote inside it written `\"`);
 * - "decision NNNN" / "decisions NNNN and NNNN" in prose: docs/decisions/NNNN-*.md must exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const DOCUMENTS = ['docs/architecture.md', 'docs/rationale.md', 'docs/security.md'] as const;

/** Where repository paths start; anything else in a code span is not a path (commands, values). */
const PATH_IN_CODE = /^(?:(?:modules|services|envs|scripts|__tests__|docs|delivery|bench|\.github)\/[\w./@-]*|(?:main\.ts|package\.json|cdktf\.json|tsconfig\.json|jest\.config\.js|README\.md))(?:#[\w$.-]+)?$/;
/** A quote inside a cited name is written `\"` (Markdown shows it as `"`). */
const TEST_CITATION = /`([^`\s]+\.test\.ts)`\s*›\s*"((?:[^"\\]|\\.)+)"/g;
const CODE_SPAN = /`([^`\n]+)`/g;
const MARKDOWN_LINK = /!?\[[^\]]*\]\(([^)\s]+)\)/g;
const DECISION_NUMBERS = /\bdecisions?\s+((?:\d{4})(?:(?:,\s*|\s+and\s+|\s*\/\s*)\d{4})*)/gi;

interface Citation {
  readonly kind: 'link' | 'path' | 'test' | 'decision';
  readonly target: string;
  readonly detail?: string;
}

/** Every citation in a Markdown text (fenced code blocks are skipped: they show commands, not claims). */
function citations(markdown: string): Citation[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const found: Citation[] = [];
  for (const [, target, name] of prose.matchAll(TEST_CITATION)) {
    found.push({ kind: 'test', target: target!, detail: name!.replace(/\\(.)/g, '$1') });
  }
  for (const [, span] of prose.matchAll(CODE_SPAN)) {
    if (!PATH_IN_CODE.test(span!)) continue;
    const [target, symbol] = span!.split('#');
    found.push({ kind: 'path', target: target!, ...(symbol ? { detail: symbol } : {}) });
  }
  for (const [, href] of prose.matchAll(MARKDOWN_LINK)) {
    if (/^[a-z]+:/i.test(href!)) continue;
    const [target, anchor] = href!.split('#');
    found.push({ kind: 'link', target: target!, ...(anchor ? { detail: anchor } : {}) });
  }
  for (const [, list] of prose.matchAll(DECISION_NUMBERS)) {
    for (const number of list!.match(/\d{4}/g)!) found.push({ kind: 'decision', target: number });
  }
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const headingSlugs = (markdown: string): string[] =>
  [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) =>
    heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'),
  );

/** Test files write names as string literals: `caller\'s` in the file is `caller's` in the document. */
const unescapedSource = (file: string): string => readFileSync(file, 'utf8').replace(/\\(['"`])/g, '$1');

/** What a citation points at that does not exist, in one line, or undefined when it holds. */
function problem(citation: Citation, documentPath: string, root = ROOT): string | undefined {
  const fromRoot = (path: string) => join(root, path);
  switch (citation.kind) {
    case 'decision': {
      const folder = fromRoot('docs/decisions');
      const exists = existsSync(folder) && readdirSync(folder).some((f) => f.startsWith(`${citation.target}-`));
      return exists ? undefined : `decision ${citation.target}: no docs/decisions/${citation.target}-*.md`;
    }
    case 'link': {
      const file = citation.target === '' ? fromRoot(documentPath) : resolve(dirname(fromRoot(documentPath)), citation.target);
      if (!existsSync(file)) return `link ${citation.target}: ${relative(root, file)} does not exist`;
      if (citation.detail === undefined || !file.endsWith('.md')) return undefined;
      return headingSlugs(readFileSync(file, 'utf8')).includes(citation.detail)
        ? undefined
        : `link ${citation.target}#${citation.detail}: no such heading in ${relative(root, file)}`;
    }
    case 'path':
    case 'test': {
      const file = fromRoot(citation.target);
      if (!existsSync(file)) return `${citation.target}: does not exist`;
      if (citation.detail === undefined) return undefined;
      if (statSync(file).isDirectory()) return `${citation.target}#${citation.detail}: a folder has no symbols`;
      const what = citation.kind === 'test' ? `test "${citation.detail}"` : `symbol ${citation.detail}`;
      return unescapedSource(file).includes(citation.detail) ? undefined : `${citation.target}: no ${what}`;
    }
  }
}

const problemsIn = (documentPath: string, markdown: string, root = ROOT): string[] =>
  citations(markdown).flatMap((c) => problem(c, documentPath, root) ?? []);

describe('architecture documents cite what exists', () => {
  it.each(DOCUMENTS)('%s: every cited path, symbol, test and decision exists', (document) => {
    const markdown = readFileSync(join(ROOT, document), 'utf8');
    expect(problemsIn(document, markdown)).toEqual([]);
  });

  it('each document cites code, and security.md ties its claims to tests', () => {
    const counts = Object.fromEntries(
      DOCUMENTS.map((d) => {
        const found = citations(readFileSync(join(ROOT, d), 'utf8'));
        return [d, { paths: found.filter((c) => c.kind === 'path').length, tests: found.filter((c) => c.kind === 'test').length }];
      }),
    );
    for (const d of DOCUMENTS) expect(counts[d]!.paths).toBeGreaterThan(5);
    expect(counts['docs/security.md']!.tests).toBeGreaterThanOrEqual(40);
    expect(counts['docs/architecture.md']!.tests).toBeGreaterThanOrEqual(10);
  });

  it('reports a moved file, a renamed symbol, a renamed test, a missing heading and a missing decision', () => {
    const markdown = [
      'The network is `modules/network/network.ts#Network`, formerly `modules/network/vpc.ts`.',
      'Spot placement: `modules/microservice/microservice.ts#spotStrategy`.',
      'Proven by `__tests__/infra/network.test.ts` › "closes the default security group (no ingress, no egress)"',
      'and `__tests__/infra/network.test.ts` › "opens the default security group".',
      'Wildcards: `__tests__/infra/registry.test.ts` › "grantPull: GetAuthorizationToken is the only Resource \\"*\\"; image reads on the repository ARN".',
      'See decision 0012 and decisions 0008 and 0999; the diagram ![prod](diagrams/none.png);',
      'the runbook [by hand](delivery.md#deploying-a-service-by-hand), [gone](delivery.md#deploying-by-fax).',
      '```sh\nnpx jest modules/not-a-file.ts\n```',
    ].join('\n');
    expect(problemsIn('docs/example.md', markdown)).toEqual([
      '__tests__/infra/network.test.ts: no test "opens the default security group"',
      'modules/network/vpc.ts: does not exist',
      'modules/microservice/microservice.ts: no symbol spotStrategy',
      'link diagrams/none.png: docs/diagrams/none.png does not exist',
      'link delivery.md#deploying-by-fax: no such heading in docs/delivery.md',
      'decision 0999: no docs/decisions/0999-*.md',
    ]);
  });
});
