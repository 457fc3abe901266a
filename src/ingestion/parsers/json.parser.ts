import { type Block, type ParsedDocument, UnprocessableDocumentError } from '../document';
import { parseText } from './text.parser';

/** JSON: validated, then one block per top-level member (or array element), pretty-printed. */
export function parseJson(input: string): ParsedDocument {
  let value: unknown;
  try {
    value = JSON.parse(input) as unknown;
  } catch (error) {
    throw new UnprocessableDocumentError(`the JSON is not valid (${(error as Error).message})`);
  }
  let text: string;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    // Nested too deeply to render (the stack overflows): valid JSON is readable as it is.
    if (error instanceof RangeError) return parseText(input);
    throw error;
  }
  const blocks: Block[] = [];
  let line = 2;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value as Record<string, unknown>)
      : [['value', value]];
  for (const [key, member] of entries) {
    const body = `${key}: ${JSON.stringify(member, null, 2)}`;
    const lines = body.split('\n').length;
    blocks.push({ text: body, headingPath: [key], lineStart: line, lineEnd: line + lines - 1, split: 'lines' });
    line += lines;
  }
  return { text, blocks };
}
