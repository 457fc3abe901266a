import { type Block, type ParsedDocument } from '../document';

/** Plain text: paragraphs separated by blank lines, with their line ranges. */
export function parseText(input: string): ParsedDocument {
  const text = normaliseNewlines(input);
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let start = -1;
  let buffer: string[] = [];
  const flush = (end: number): void => {
    if (buffer.length > 0 && buffer.join('').trim() !== '') {
      blocks.push({ text: buffer.join('\n').trim(), lineStart: start + 1, lineEnd: end });
    }
    buffer = [];
    start = -1;
  };
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      flush(i);
      return;
    }
    if (start < 0) start = i;
    buffer.push(line);
  });
  flush(lines.length);
  return { text, blocks };
}

export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
}
