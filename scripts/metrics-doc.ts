/** `npm run docs:metrics`: writes docs/metrics.md from the metric and service catalogs (a test keeps it current). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { metricsMarkdown } from '../modules/observability/metrics-markdown';
import { catalog } from '../services/catalog';

const DOCS = resolve('docs', 'metrics.md');
writeFileSync(DOCS, metricsMarkdown(catalog));
console.log(`wrote ${DOCS}`);
