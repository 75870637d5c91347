/** Renders estimates as a plain-text table (with the assumptions) or as JSON. */
import type { Estimate } from './estimate';

const usd = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const quantity = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const unitPrice = (n: number): string => `$${n.toLocaleString('en-US', { maximumSignificantDigits: 6 })}`;

/** One environment: line item | quantity | unit price | monthly USD, then the total and the assumptions. */
export function formatTable(e: Estimate): string {
  const rows = e.lineItems.map((l) => [
    l.item,
    // "1,000 × 10k requests" for counted units, "730 hour" for measured ones.
    /^\d/.test(l.unit) ? `${quantity(l.quantity)} × ${l.unit}` : `${quantity(l.quantity)} ${l.unit}`,
    `${unitPrice(l.unitPriceUsd)}${l.priceBasis === 'estimate' ? '*' : ''}`,
    usd(l.monthlyUsd),
  ]);
  const header = ['Line item', 'Quantity', 'Unit price', 'Monthly USD'];
  const total = ['Total', '', '', usd(e.totalUsd)];
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i]!.length)));
  const render = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `${e.environment} (${e.region}), prices checked ${e.pricesChecked}`,
    render(header),
    rule,
    ...rows.map(render),
    rule,
    render(total),
    '* estimate: no figure for this region found in the sources searched (scripts/cost/prices.ts says how it was derived)',
    '',
    'Assumptions:',
    ...e.assumptions.map((a) => `- ${a}`),
  ].join('\n');
}

export function formatJson(estimates: readonly Estimate[]): string {
  return JSON.stringify({ environments: estimates }, null, 2);
}
