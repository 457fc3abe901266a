import { marked, type Token } from 'marked';
import { type Block, type ParsedDocument } from '../document';
import { normaliseNewlines } from './text.parser';

/**
 * Deepest nesting handed to marked, as blockquote markers and as indentation (about 64 list
 * levels). marked tokenizes nested blocks recursively, re-reading each level's content: 50,000
 * nested blockquotes overflowed the stack and 5,000 nested list levels needed more than 4 GB.
 * Lines nested deeper keep their text at this depth.
 */
const MAX_QUOTE_DEPTH = 64;
const MAX_INDENT = 128;

/** Markdown via marked's lexer: sections follow the headings; code blocks split by lines. */
export function parseMarkdown(input: string): ParsedDocument {
  const text = normaliseNewlines(input);
  const tokens = marked.lexer(limitNesting(text));
  const blocks: Block[] = [];
  const path: { depth: number; text: string }[] = [];
  let line = 1;
  let title: string | undefined;
  for (const token of tokens) {
    const lines = countLines(token.raw);
    const lineStart = line;
    const lineEnd = line + Math.max(0, lines - 1);
    line += lines;
    if (token.type === 'space') continue;
    if (token.type === 'heading') {
      const heading = token as Token & { depth: number; text: string };
      while (path.length > 0 && path[path.length - 1].depth >= heading.depth) path.pop();
      path.push({ depth: heading.depth, text: stripInline(heading.text) });
      title ??= stripInline(heading.text);
      blocks.push({
        text: heading.raw.trim(),
        headingPath: path.map((p) => p.text),
        lineStart,
        lineEnd,
        heading: true,
      });
      continue;
    }
    const raw = token.raw.trim();
    if (!raw) continue;
    blocks.push({
      text: raw,
      headingPath: path.map((p) => p.text),
      lineStart,
      lineEnd,
      split: token.type === 'code' || token.type === 'table' ? 'lines' : 'sentences',
    });
  }
  return { text, blocks, title };
}

function countLines(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (raw.charCodeAt(i) === 10) n++;
  return n;
}

function stripInline(text: string): string {
  return text.replace(/[*_`[\]]/g, '').trim();
}

/** The text with blockquote markers and indentation past the limits cut back to them (linear). */
function limitNesting(text: string): string {
  return text.replace(/^([ \t]*(?:>[ \t]?)+|[ \t]+)/gm, (lead: string) => {
    let quotes = 0;
    let out = '';
    let indent = 0;
    for (const char of lead) {
      if (char === '>') {
        if (++quotes <= MAX_QUOTE_DEPTH) out += char;
      } else if (indent < MAX_INDENT) {
        out += char;
        indent += char === '\t' ? 4 : 1;
      }
    }
    return out;
  });
}
