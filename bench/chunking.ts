/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:chunking — parse + chunk time of pathological inputs (no sentence, no newline,
// one giant line, deep nesting) at growing sizes, beside ordinary prose of the same size as the
// baseline. Near-linear means the time roughly doubles when the size doubles (ratio ≈ 2); a
// quadratic path shows ≈ 4 and more. Runs in-process on the event loop (as INGEST_WORKERS=0).
//
// Environment: BENCH_SIZES (comma-separated character counts, default 250000,500000,1000000).
import { type SourceFormat } from '../src/sources/source.entity';
import { prepareDocument } from '../src/ingestion/processing/prepare-document';
import { machineSummary } from './lib';

const chunking = { targetTokens: 512, overlapTokens: 64 };

const prose = (n: number): string => {
  const sentences = [
    'The kestrel hovers over the field before it dives.',
    'Operators rotate the certificates every seventeen days.',
    'Segments are compacted nightly, and the index is rebuilt when it grows past its budget.',
  ];
  let out = '';
  for (let i = 0; out.length < n; i++) out += `${sentences[i % 3]} ${i % 20 === 19 ? '\n\n' : ''}`;
  return out.slice(0, n);
};

const CASES: [label: string, format: SourceFormat, make: (n: number) => string][] = [
  ['ordinary prose (baseline)', 'text', prose],
  ['"A" × n (no sentence, no newline)', 'text', (n) => 'A'.repeat(n)],
  ['words, no full stop', 'text', (n) => 'word '.repeat(n / 5)],
  ['CJK without punctuation', 'text', (n) => '鸟'.repeat(n / 3)],
  ['spaces around a word', 'text', (n) => `${' '.repeat(n / 2)}kestrel${' '.repeat(n / 2)}`],
  ['one minified line of code', 'code', (n) => 'a=b+c;'.repeat(n / 6)],
  ['one CSV row', 'csv', (n) => `name,value\nx,${'y'.repeat(n)}\n`],
  ['nested blockquotes', 'markdown', (n) => `${'>'.repeat(n / 20)} deep`],
  [
    'nested list levels',
    'markdown',
    (n) => Array.from({ length: n / 200 }, (_, i) => `${'  '.repeat(i % 5000)}- item ${i}`).join('\n'),
  ],
  [
    'nested <div>',
    'html',
    (n) => `<html><body>${'<div>'.repeat(n / 11)}kestrel${'</div>'.repeat(n / 11)}</body></html>`,
  ],
  ['nested JSON arrays', 'json', (n) => `${'['.repeat(n / 2)}1${']'.repeat(n / 2)}`],
];

async function time(format: SourceFormat, input: string): Promise<{ ms: number; chunks: number }> {
  const data = Buffer.from(input);
  const started = performance.now();
  const prepared = await prepareDocument({ format, data, chunking });
  return { ms: performance.now() - started, chunks: prepared.chunks.length };
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '250000,500000,1000000').split(',').map(Number);
  console.log(`bench:chunking on ${machineSummary()}`);
  console.log(
    `parse + chunk (${chunking.targetTokens}/${chunking.overlapTokens} tokens), one run per size after a warm-up\n`,
  );
  await time('text', prose(50_000)); // warm up the tokenizer and the parsers
  const rows: Record<string, string | number>[] = [];
  for (const [label, format, make] of CASES) {
    const row: Record<string, string | number> = { input: label };
    let previous: number | undefined;
    for (const size of sizes) {
      const { ms, chunks } = await time(format, make(size));
      row[`${size / 1000}k chars ms`] = Math.round(ms);
      row[`${size / 1000}k chunks`] = chunks;
      if (previous !== undefined) row[`ratio ${size / 1000}k`] = (ms / previous).toFixed(2);
      previous = ms;
    }
    rows.push(row);
  }
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
