import { parse } from 'csv-parse/sync';
import { type Block, type ParsedDocument, UnprocessableDocumentError } from '../document';
import { normaliseNewlines } from './text.parser';

/**
 * CSV via csv-parse: one block per row, written as `column: value | …` so every chunk is
 * self-describing; rows keep their numbers (the header is row 1).
 */
export function parseCsv(input: string): ParsedDocument {
  const text = normaliseNewlines(input);
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new UnprocessableDocumentError(`the CSV could not be parsed (${(error as Error).message})`);
  }
  const [header, ...data] = rows;
  if (!header) throw new UnprocessableDocumentError('the CSV is empty');
  const blocks: Block[] = data.map((row, i) => ({
    text: row.map((value, c) => `${header[c] ?? `column ${c + 1}`}: ${value}`).join(' | '),
    rowStart: i + 2,
    rowEnd: i + 2,
    split: 'lines',
  }));
  return { text, blocks };
}
