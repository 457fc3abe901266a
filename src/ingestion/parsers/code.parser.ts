import { type Block, type ParsedDocument } from '../document';
import { normaliseNewlines } from './text.parser';

/** A definition at the start of a line, in most languages: its name becomes the block's heading. */
const DEFINITION =
  /^(?:export\s+)?(?:default\s+)?(?:pub(?:\(crate\))?\s+)?(?:async\s+)?(?:static\s+)?(?:public\s+|private\s+|protected\s+)?(?:def|class|function|func|fn|interface|struct|enum|trait|impl|type|module|object|create\s+(?:or\s+replace\s+)?(?:table|view|function|procedure))\s+([A-Za-z_][\w.]*)/i;

/**
 * Source code: split into top-level blocks — a block ends where a line at column 0 follows a
 * blank line (a new function, class, statement group) — each with its line range and, when it
 * starts with a definition, that definition's name.
 */
export function parseCode(input: string, language?: string): ParsedDocument {
  const text = normaliseNewlines(input);
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let start = 0;
  const flush = (end: number): void => {
    const body = lines.slice(start, end).join('\n').replace(/\s+$/, '');
    if (body.trim()) {
      const name = DEFINITION.exec(body.trimStart())?.[1];
      blocks.push({
        text: body,
        lineStart: start + 1,
        lineEnd: start + body.split('\n').length,
        headingPath: name ? [name] : undefined,
        split: 'lines',
      });
    }
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const previousBlank = lines[i - 1].trim() === '';
    if (previousBlank && line.length > 0 && !/^\s/.test(line) && !/^[)}\]]/.test(line)) {
      flush(i);
      start = i;
    }
  }
  flush(lines.length);
  return { text, blocks, title: language };
}
